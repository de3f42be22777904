import KANKit
import SweepCore
#if canImport(Glibc)
import Glibc
#endif

/// The hyperparameters of one `hitl-ddqn` job, read once from its config.
struct HITLSettings {
    var dataKey: PreparedDataset.Key
    var featureSelection: Bool
    var convLayers: Int
    var filters: Int
    var fsnetHidden: Int
    var fsnetDropout: Float
    /// `fsnet.q_gradient`: the Q-loss reaches the conv stack through s = F · a.
    var qGradient: Bool
    /// `fsnet.head`: q = sigmoid(relu(fc2 h)) instead of sigmoid(fc2 h).
    var reluBeforeSigmoid: Bool
    /// `fsnet.mask_from`: the mask distribution takes the logits instead of q.
    var maskFromLogits: Bool
    var distribution: MaskDistribution
    var tau: Double
    var tauDecay: Double
    var model: QNetwork.Architecture
    var epochs: Int
    var batch: Int
    var warmup: Int
    var epsStart: Double
    var epsEnd: Double
    var epsDecay: Double
    var reward: RewardType
    var buffer: Int
    var gamma: Float
    var alpha: Float
    var learningRate: Float
    var weightDecay: Float
    var gradClip: Float
    var lrDecay: Float
    var targetUpdate: Int
    /// `q_target: max`: plain DQN's max over the target net instead of Double DQN's target.
    var maxTarget: Bool
    var kanRegularization: KANRegularization
    var gridUpdateEvery: Int
    var gridEpsilon: Float
    var seed: UInt64

    init(_ config: JobConfig) {
        let directory = config.string("data_dir")
        dataKey = PreparedDataset.Key(
            dataset: config.string("dataset"), directory: directory,
            trainLimit: config.int("train_limit"), testLimit: config.int("test_limit"),
            eta: Float(config.double("feedback.eta")))
        featureSelection = config.bool("feature_selection")
        convLayers = config.int("conv_layers")
        filters = HITLDDQN.effectiveFilters(config)
        fsnetHidden = config.int("fsnet.hidden")
        fsnetDropout = Float(config.double("fsnet.dropout"))
        qGradient = HITLDDQN.lateValue(config, "fsnet.q_gradient").boolValue!
        reluBeforeSigmoid = HITLDDQN.lateValue(config, "fsnet.head").stringValue == "relu-sigmoid"
        maskFromLogits = HITLDDQN.lateValue(config, "fsnet.mask_from").stringValue == "logits"
        distribution = MaskDistribution(rawValue: config.string("distribution"))!
        tau = config.double("tau")
        tauDecay = config.double("tau_decay")
        if config.string("model") == "kan" {
            model = .kan(
                width: config.int("kan.width"), grid: config.int("kan.grid"), order: config.int("kan.order"),
                range: Float(config.double("kan.grid_min"))...Float(config.double("kan.grid_max")),
                initialisation: KANInitialisation(rawValue: HITLDDQN.lateValue(config, "kan.init").stringValue!)!,
                bias: HITLDDQN.lateValue(config, "kan.bias").boolValue!)
        } else {
            model = .mlp(width: config.int("mlp.width"))
        }
        epochs = config.int("epochs")
        batch = config.int("batch")
        warmup = config.int("warmup")
        epsStart = config.double("eps_start")
        epsEnd = config.double("eps_end")
        epsDecay = config.double("eps_decay")
        reward = RewardType(rawValue: config.string("reward"))!
        buffer = config.int("buffer")
        gamma = Float(config.double("gamma"))
        alpha = Float(config.double("alpha"))
        learningRate = Float(config.double("lr"))
        weightDecay = Float(config.double("weight_decay"))
        gradClip = Float(config.double("grad_clip"))
        lrDecay = Float(config.double("lr_decay"))
        targetUpdate = config.int("target_update")
        maxTarget = HITLDDQN.lateValue(config, "q_target").stringValue == "max"
        kanRegularization = KANRegularization(
            weight: Float(config.double("kan.lambda")), l1: Float(config.double("kan.lamb_l1")),
            entropy: Float(config.double("kan.lamb_entropy")), coefficient: Float(config.double("kan.lamb_coef")),
            coefficientDifference: Float(config.double("kan.lamb_coefdiff")))
        gridUpdateEvery = config.int("kan.grid_update_every")
        gridEpsilon = Float(HITLDDQN.lateValue(config, "kan.grid_eps").doubleValue!)
        seed = config.seed
    }

    /// Epsilon in `epoch` (0-based): 1 during warm-up, then a geometric decay floored at eps_end.
    func epsilon(epoch: Int) -> Double {
        if epoch < warmup { return 1 }
        return max(epsEnd, epsStart * pow(epsDecay, Double(epoch - warmup)))
    }

    /// The gumbel-softmax temperature in `epoch`.
    func temperature(epoch: Int) -> Double { tau * pow(tauDecay, Double(epoch)) }
}
