import SweepCore

/// PPO hyperparameters, read from a job's config; defaults are CleanRL's
/// `ppo_continuous_action.py`.
struct PPOSettings: Sendable, Hashable {
    var totalSteps: Int
    var learningRate: Double
    var annealLearningRate: Bool
    var rolloutSteps: Int
    var gamma: Double
    var gaeLambda: Double
    var updateEpochs: Int
    var minibatches: Int
    var maxGradientNorm: Double
    var initialLogStd: Double
    var normalizeObservations: Bool
    var normalizeRewards: Bool
    /// Normalised observations and rewards are clipped to +-this.
    var normalizationClip: Double
    var loss: PPOLoss

    /// Samples per minibatch.
    var minibatchSize: Int { rolloutSteps / minibatches }
    /// Number of rollout-and-update rounds the step budget allows (at least one).
    var updates: Int { max(1, totalSteps / rolloutSteps) }

    /// Reads the settings from a resolved config.
    init(_ config: JobConfig) {
        totalSteps = config.int("total_steps")
        learningRate = config.double("ppo.lr")
        annealLearningRate = config.bool("ppo.anneal_lr")
        rolloutSteps = config.int("ppo.rollout_steps")
        gamma = config.double("ppo.gamma")
        gaeLambda = config.double("ppo.gae_lambda")
        updateEpochs = config.int("ppo.update_epochs")
        minibatches = config.int("ppo.minibatches")
        maxGradientNorm = config.double("ppo.max_grad_norm")
        initialLogStd = config.double("ppo.init_log_std")
        normalizeObservations = config.bool("normalize.observations")
        normalizeRewards = config.bool("normalize.rewards")
        normalizationClip = config.double("normalize.clip")
        loss = PPOLoss(
            clip: config.double("ppo.clip"), entropyCoefficient: config.double("ppo.ent_coef"),
            valueCoefficient: config.double("ppo.vf_coef"), clipValueLoss: config.bool("ppo.clip_vloss"))
    }

    /// PPO's parameters with their defaults and meaning.
    static let parameters: [ParamSpec] = [
        .int("total_steps", 1_000_000, in: 1...1_000_000_000, "Training budget in environment steps."),
        .real("ppo.lr", 3e-4, in: 0...1, "Adam learning rate."),
        .bool("ppo.anneal_lr", true, "Anneal the learning rate linearly to zero over the updates."),
        .int("ppo.rollout_steps", 2048, in: 4...10_000_000, "Environment steps per rollout (one update)."),
        .real("ppo.gamma", 0.99, in: 0...1, "Discount factor."),
        .real("ppo.gae_lambda", 0.95, in: 0...1, "GAE lambda."),
        .real("ppo.clip", 0.2, in: 0...10, "Clip range of the probability ratio and of the value loss."),
        .int("ppo.update_epochs", 10, in: 1...1000, "Passes over each rollout."),
        .int("ppo.minibatches", 32, in: 1...1_000_000, "Minibatches per pass (must divide rollout_steps)."),
        .real("ppo.max_grad_norm", 0.5, in: 1e-6...1e6, "Global gradient-norm clip."),
        .real("ppo.ent_coef", 0.0, in: 0...10, "Entropy bonus weight."),
        .real("ppo.vf_coef", 0.5, in: 0...100, "Value loss weight."),
        .bool("ppo.clip_vloss", true, "Clip the value loss around the rollout's values."),
        .real("ppo.init_log_std", 0.0, in: -10...5, "Initial log standard deviation of the Gaussian policy."),
        .bool("normalize.observations", true, "Normalise observations by running mean and sd."),
        .bool("normalize.rewards", true, "Scale rewards by the running sd of the discounted return."),
        .real("normalize.clip", 10, in: 0.1...1e6, "Clip of normalised observations and rewards."),
    ]

    /// Cross-parameter checks.
    static func problems(in config: JobConfig) -> [ConfigProblem] {
        let steps = config.int("ppo.rollout_steps"), minibatches = config.int("ppo.minibatches")
        var problems: [ConfigProblem] = []
        if steps % minibatches != 0 || steps / minibatches < 2 {
            problems.append(ConfigProblem(
                param: "ppo.minibatches",
                message: "must divide ppo.rollout_steps (\(steps)) into minibatches of at least 2 samples; \(minibatches) does not"))
        }
        if config.int("total_steps") < steps {
            problems.append(ConfigProblem(
                param: "total_steps", message: "must be at least ppo.rollout_steps (\(steps)) for one update"))
        }
        return problems
    }
}
