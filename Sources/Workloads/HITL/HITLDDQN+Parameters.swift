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
        // Q-network
        .choice("model", "kan", ["kan", "mlp"], "Q-network: KAN [64, kan.width, 10] or MLP 64-mlp.width-10."),
        .int("kan.width", 8, in: 1...1024, "KAN hidden width."),
        .int("kan.grid", 3, in: 1...100, "KAN grid intervals G."),
        .int("kan.order", 3, in: 1...5, "KAN spline order k."),
        .real("kan.grid_min", -1, in: -1000...1000, "Lower end of the initial KAN grid."),
        .real("kan.grid_max", 1, in: -1000...1000, "Upper end of the initial KAN grid."),
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
    ]

    public static func problems(in config: JobConfig) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
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
