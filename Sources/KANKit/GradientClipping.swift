/// Gradient clipping over a list of parameters (PyTorch's `clip_grad_value_` and `clip_grad_norm_`).
public enum GradientClipping {
    /// Clamps every gradient element to `[-limit, limit]`.
    public static func clip(_ parameters: [Parameter], value limit: Float) {
        precondition(limit > 0, "clip value must be positive, got \(limit)")
        for parameter in parameters {
            let g = parameter.gradient
            for i in 0..<parameter.count { g[i] = min(max(g[i], -limit), limit) }
        }
    }

    /// Scales all gradients so their joint L2 norm is at most `maxNorm`.
    /// - Returns: the norm before clipping.
    @discardableResult
    public static func clip(_ parameters: [Parameter], globalNorm maxNorm: Float) -> Float {
        precondition(maxNorm > 0, "max norm must be positive, got \(maxNorm)")
        var sumOfSquares: Double = 0
        for parameter in parameters {
            sumOfSquares += Double(SGEMM.dot(parameter.gradient, parameter.gradient, parameter.count))
        }
        let norm = Float(sumOfSquares.squareRoot())
        if norm > maxNorm {
            let scale = maxNorm / (norm + 1e-6)
            for parameter in parameters {
                let g = parameter.gradient
                for i in 0..<parameter.count { g[i] *= scale }
            }
        }
        return norm
    }
}
