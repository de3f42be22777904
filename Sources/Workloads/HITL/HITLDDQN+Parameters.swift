import KANKit
import SweepCore

extension HITLDDQN {
    /// Every hyperparameter of the workload with its default (WORKLOADS.md section 1).
    public static let parameters: [ParamSpec] = [
        // Data
        .choice("dataset", "fashion-mnist", ["mnist", "fashion-mnist"], "Image data set (28x28 IDX files, resized to 8x8)."),
        .text("data_dir", "", "A directory of the four standard IDX files to use instead of `dataset` (normalised with its own training mean and sd)."),
        .int("train_limit", 0, in: 0...10_000_000, "Use only the first N training examples (0 = all)."),
        .int("test_limit", 0, in: 0...10_000_000, "Use only the first N test examples (0 = all)."),
        .real("feedback.eta", 5.0, in: 0.01...1000, "Width of the simulated-feedback Gaussian around the brightest pixel."),
        // FSNet
        .bool("feature_selection", true, "Select features with FSNet; false feeds the raw 64 pixels to the Q-network."),
        .int("conv_layers", 1, in: 1...3, "FSNet conv blocks (Conv3x3 pad 1, ReLU, MaxPool 2)."),
        .int("filters", 2, in: 0...64, "FSNet width: block l has filters x 2^l channels; must equal 2^conv_layers so 64 features come out (0 = 2^conv_layers, for sweeps over conv_layers)."),
        .int("fsnet.hidden", 128, in: 1...4096, "FSNet fc1 width."),
        .real("fsnet.dropout", 0.25, in: 0...0.95, "Dropout after FSNet fc1 (training only)."),
        .choice("distribution", "beta", MaskDistribution.allCases.map(\.rawValue), "How the feature mask a is sampled from the probabilities q."),
        .real("tau", 1.0, in: 1e-6...100, "Initial gumbel-softmax temperature."),
        .real("tau_decay", 0.99, in: 0.01...1, "Gumbel-softmax temperature factor per epoch (tau x tau_decay^epoch)."),
        .bool("fsnet.q_gradient", false, "The Q-loss also trains FSNet's conv stack through s = F(x) x a (F differentiable, the mask a a constant sample). Replayed transitions then keep their example index and mask and recompute s and s' with the current conv stack (false: FSNet learns from the feedback cost only and replay holds stored state values)."),
        .choice("fsnet.head", "sigmoid", ["sigmoid", "relu-sigmoid"], "FSNet output: q = sigmoid(fc2 h) (the paper's equation 6) or q = sigmoid(relu(fc2 h)) (its Algorithm 1, line 17; q >= 0.5)."),
        .choice("fsnet.mask_from", "probabilities", ["probabilities", "logits"], "What parameterises the mask distribution: q (equations 8-16) or the logits before the sigmoid (Algorithm 1, line 24); logits only for beta, dirichlet, gaussian, laplace, cauchy and multinomial."),
        // Q-network
        .choice("model", "kan", ["kan", "mlp"], "Q-network: KAN [64, kan.width, 10] or MLP 64-mlp.width-10."),
        .int("kan.width", 8, in: 1...1024, "KAN hidden width."),
        .int("kan.grid", 3, in: 1...100, "KAN grid intervals G."),
        .int("kan.order", 3, in: 1...5, "KAN spline order k."),
        .real("kan.grid_min", -1, in: -1000...1000, "Lower end of the initial KAN grid."),
        .real("kan.grid_max", 1, in: -1000...1000, "Upper end of the initial KAN grid."),
        .choice("kan.init", "pykan", KANInitialisation.allCases.map(\.rawValue), "KAN initialisation: pykan (>= 0.2: w_b uniform +-1/sqrt(in), w_s 1/sqrt(in), spline noise 0.3) or pykan-0.0 (w_b 1/sqrt(in) + 0.1(2z-1), w_s 1, spline noise 0.1)."),
        .real("kan.grid_eps", 0.02, in: 0...1, "Grid update: mix of uniform (1) and sample-percentile (0) knots; pykan >= 0.2 uses 0.02, pykan 0.0.x's KAN 1."),
        .bool("kan.bias", false, "A trainable bias on each KAN layer's outputs, initially 0 (pykan 0.0.x's bias_trainable; pykan >= 0.2 trains none)."),
        .real("kan.lambda", 1e-4, in: 0...1000, "Weight of the KAN regulariser in the loss."),
        .real("kan.lamb_l1", 1, in: 0...1000, "KAN regulariser: weight of the L1 of edge activation scales."),
        .real("kan.lamb_entropy", 2, in: 0...1000, "KAN regulariser: weight of the entropy of edge activation scales."),
        .real("kan.lamb_coef", 0, in: 0...1000, "KAN regulariser: weight of the L1 of spline coefficients."),
        .real("kan.lamb_coefdiff", 0, in: 0...1000, "KAN regulariser: weight of the L1 of coefficient differences."),
        .int("kan.grid_update_every", 25, in: 0...100_000, "Refit KAN grids to replay samples every N epochs while epoch < epochs/2 (0 = never)."),
        .int("mlp.width", 32, in: 1...4096, "MLP hidden width."),
        // Training
        .int("epochs", 100, in: 1...100_000, "Passes over the training set."),
        .int("batch", 128, in: 2...65_536, "Examples per step, and replay batch size."),
        .int("warmup", 2, in: 0...100_000, "Epochs of random actions before epsilon-greedy."),
        .real("eps_start", 1.0, in: 0...1, "Epsilon at the first epoch after warm-up."),
        .real("eps_end", 0.05, in: 0...1, "Lowest epsilon."),
        .real("eps_decay", 0.9, in: 0...1, "Epsilon factor per epoch after warm-up."),
        .choice("reward", "signed", RewardType.allCases.map(\.rawValue), "signed: +1/-1; binary: 1/0; shaped: signed minus alpha x the example's feedback MSE."),
        .int("buffer", 100_000, in: 1...10_000_000, "Replay buffer capacity (transitions)."),
        .real("gamma", 0.99, in: 0...1, "Discount factor."),
        .real("alpha", 0.5, in: 0...1000, "Weight of the feedback cost in the loss (and in shaped rewards)."),
        .real("lr", 1e-3, in: 0...10, "AdamW learning rate."),
        .real("weight_decay", 1e-4, in: 0...10, "AdamW decoupled weight decay."),
        .real("grad_clip", 100, in: 0...1e9, "Gradients are clipped elementwise to [-grad_clip, grad_clip] (0 = off)."),
        .real("lr_decay", 0.99, in: 0...1, "Learning-rate factor applied after each epoch."),
        .int("target_update", 10, in: 1...100_000, "Copy the online Q-network to the target every N epochs."),
        .choice("q_target", "double", ["double", "max"], "The bootstrap target: double, Q_target(s', argmax_a Q_online(s', a)) (Double DQN, WORKLOADS.md), or max, max_a Q_target(s', a) (plain DQN, as the paper's Algorithm 2 line 26 writes it)."),
    ]

    /// Parameters added after jobs were keyed: `resolve` leaves them out of a config while
    /// they hold their default (the behaviour before they existed), so every job key from
    /// before stays the same; `HITLSettings` reads them with `lateValue`.
    static let lateParameters: Set<String> = [
        "fsnet.q_gradient", "fsnet.head", "fsnet.mask_from", "kan.init", "kan.grid_eps", "kan.bias", "q_target",
    ]

    /// Distributions whose parameter may be a logit (any real), for `fsnet.mask_from: logits`.
    static let logitDistributions: Set<MaskDistribution> = [.beta, .dirichlet, .gaussian, .laplace, .cauchy, .multinomial]

    public static func resolve(_ configs: [JobConfig], specFolder: String) throws(ConfigProblem) -> [JobConfig] {
        let defaults = Dictionary(uniqueKeysWithValues: parameters.filter { lateParameters.contains($0.name) }.map { ($0.name, $0.defaultValue) })
        return configs.map { config in
            var resolved = config
            for (name, value) in defaults where resolved[name] == value { resolved[name] = nil }
            return resolved
        }
    }

    /// A late parameter's value: the config's, or its default when `resolve` left it out.
    static func lateValue(_ config: JobConfig, _ name: String) -> JSONValue {
        config[name] ?? parameters.first { $0.name == name }!.defaultValue
    }

    public static func problems(in config: JobConfig) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        if lateValue(config, "fsnet.mask_from").stringValue == "logits",
           let distribution = MaskDistribution(rawValue: config.string("distribution")), !logitDistributions.contains(distribution) {
            let fits = MaskDistribution.allCases.filter(logitDistributions.contains).map(\.rawValue).joined(separator: ", ")
            problems.append(ConfigProblem(param: "fsnet.mask_from", message: "logits do not parameterise \(distribution.rawValue) masks; use probabilities, or one of: \(fits)"))
        }
        if lateValue(config, "fsnet.q_gradient").boolValue == true, !config.bool("feature_selection") {
            problems.append(ConfigProblem(param: "fsnet.q_gradient", message: "needs feature_selection: true (without FSNet there is nothing for the Q-loss to train)"))
        }
        let layers = config.int("conv_layers"), filters = effectiveFilters(config)
        if config.bool("feature_selection"), filters != 1 << layers {
            let fits = (1...3).map { "conv_layers \($0) with filters \(1 << $0)" }.joined(separator: ", ")
            problems.append(ConfigProblem(
                param: "filters",
                message: "conv_layers \(layers) with filters \(filters) gives \(filters * 64 >> layers) features, not 64; fits: \(fits)"))
        }
        if config.double("kan.grid_min") >= config.double("kan.grid_max") {
            problems.append(ConfigProblem(param: "kan.grid_max", message: "must be greater than kan.grid_min (\(config.double("kan.grid_min")))"))
        }
        if config.double("eps_end") > config.double("eps_start") {
            problems.append(ConfigProblem(param: "eps_end", message: "must not exceed eps_start (\(config.double("eps_start")))"))
        }
        if config.string("data_dir").isEmpty == false, config.string("data_dir").hasPrefix("/") == false {
            problems.append(ConfigProblem(param: "data_dir", message: "must be an absolute path (jobs run on other hosts and directories)"))
        }
        return problems
    }

    /// `filters`, with 0 standing for the one width that fits `conv_layers` (2^conv_layers).
    static func effectiveFilters(_ config: JobConfig) -> Int {
        let filters = config.int("filters")
        return filters == 0 ? 1 << config.int("conv_layers") : filters
    }
}
