#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension KANLayer {
    /// Evaluates the regulariser on the workspace's batch and leaves `dR/ds`, the per-edge
    /// covariance products and (if the input gradient is needed) the centred activations in the
    /// workspace for `addRegularizationGradient`.
    ///
    /// Each edge activation is a linear combination `φ_io = Σ_r w_r,io · row_r,i` of input i's
    /// rows `[B_0 … B_{nb-1}, silu]` with weights `[c ⊙ w_s, w_b]`, so with the covariance
    /// `C_i` of those rows over the batch, `var(φ_io) = wᵀ C_i w / (n-1)` and
    /// `Σ_s (φ_s - mean φ)·row_r[s] = (C_i w)_r`. One small covariance per input replaces
    /// per-edge passes over the batch.
    /// - Returns: the unweighted value R of this layer.
    func evaluateRegularization(_ settings: KANRegularization, _ ws: KANWorkspace) -> Float {
        let batch = ws.batch, nb = basisCount, rows = nb + 1
        precondition(batch >= 2, "the KAN regulariser needs a batch of at least 2 (standard deviations)")
        // Double: wᵀ C w cancels heavily when an edge varies little compared with its rows
        // (Float covariances made whole gradients wrong in tests; see the tests' monotone edges).
        let centredRows = ws.regularizationRows, covariance = ws.regularizationCovariance
        for i in 0..<inputs {
            let (mean, std) = Self.centre(ws.inputT + i * batch, count: batch, scratch: nil)
            ws.inputMean[i] = mean
            ws.inputStd[i] = std
            let range = std + 0.1
            for r in 0..<rows {
                let source = r < nb ? ws.basisT + (i * nb + r) * batch : ws.siluT + i * batch
                let row = centredRows + r * batch
                let rowMean = Double(VectorMath.sum(source, count: batch)) / Double(batch)
                for s in 0..<batch { row[s] = Double(source[s]) - rowMean }
            }
            for r in 0..<rows {
                var q = r
                while q < rows {
                    let value = Self.dot(centredRows + r * batch, centredRows + q * batch, batch)
                    covariance[r * rows + q] = value
                    covariance[q * rows + r] = value
                    q += 1
                }
            }
            let weights = ws.regularizationWeights
            for o in 0..<outputs {
                let e = i * outputs + o, product = ws.regularizationProducts + e * rows
                for m in 0..<nb { weights[m] = Double(ws.effective[(i * nb + m) * outputs + o]) }
                weights[nb] = Double(scaleBase.value[e])
                // product = C w, accumulated column by column so the inner loop vectorises.
                product.update(repeating: 0, count: rows)
                for q in 0..<rows {
                    let column = covariance + q * rows, weight = weights[q]
                    for r in 0..<rows { product[r] += column[r] * weight }
                }
                var variance = 0.0
                for r in 0..<rows { variance += product[r] * weights[r] }
                let edgeStd = Float((max(variance, 0) / Double(batch - 1)).squareRoot())
                ws.edgeStd[e] = edgeStd
                ws.edgeScale[e] = edgeStd / range
            }
        }
        if needsInputGradient {
            // The input gradient needs every centred activation, not just their covariances.
            if ws.centredActivations == nil {
                ws.centredActivations = .allocate(capacity: inputs * outputs * ws.capacity)
            }
            let phi = ws.centredActivations!
            edgeActivations(into: phi, ws)
            for e in 0..<(inputs * outputs) { _ = Self.centre(phi + e * batch, count: batch, scratch: phi + e * batch) }
        }
        var value = scaleTerms(settings, ws)
        guard settings.coefficient != 0 || settings.coefficientDifference != 0 else { return Float(value) }
        let inverseOut = 1 / Double(outputs)
        for i in 0..<inputs {
            for o in 0..<outputs {
                for m in 0..<nb {
                    let c = coefficients.value[(i * nb + m) * outputs + o]
                    value += Double(settings.coefficient) * inverseOut * Double(abs(c))
                    if m + 1 < nb {
                        let next = coefficients.value[(i * nb + m + 1) * outputs + o]
                        value += Double(settings.coefficientDifference) * inverseOut * Double(abs(next - c))
                    }
                }
            }
        }
        return Float(value)
    }

    /// The L1 and entropy terms of the edge scales; stores `dR/ds` in `ws.scaleGradient`.
    private func scaleTerms(_ settings: KANRegularization, _ ws: KANWorkspace) -> Double {
        let s = ws.edgeScale, grad = ws.scaleGradient
        let (l1, entropy) = (Double(settings.l1), Double(settings.entropy))
        var value = 0.0
        for e in 0..<(inputs * outputs) {
            value += l1 * Double(s[e])
            grad[e] = Float(l1)
        }
        // Rows (one per output, summing over inputs), then columns (one per input).
        for o in 0..<outputs {
            value += entropy * entropyTerm(count: inputs, stride: outputs, start: o, average: outputs, s: s, grad: grad, weight: entropy)
        }
        for i in 0..<inputs {
            value += entropy * entropyTerm(count: outputs, stride: 1, start: i * outputs, average: inputs, s: s, grad: grad, weight: entropy)
        }
        return value
    }

    /// `-(1/average) Σ_j p_j log2(p_j + 1e-4)` with `p_j = s_j / (Σ s + 1)` over one row or
    /// column; adds `weight ×` its gradient to `grad`.
    private func entropyTerm(
        count: Int, stride: Int, start: Int, average: Int,
        s: UnsafeMutablePointer<Float>, grad: UnsafeMutablePointer<Float>, weight: Double
    ) -> Double {
        let epsilon = 1e-4, ln2 = log(2.0)
        var total = 1.0
        for j in 0..<count { total += Double(s[start + j * stride]) }
        var entropy = 0.0, weighted = 0.0
        for j in 0..<count {
            let v = Double(s[start + j * stride]), p = v / total
            entropy -= p * log2(p + epsilon)
            let derivative = log2(p + epsilon) + p / ((p + epsilon) * ln2)
            weighted += derivative * v
        }
        for j in 0..<count {
            let v = Double(s[start + j * stride]), p = v / total
            let derivative = log2(p + epsilon) + p / ((p + epsilon) * ln2)
            let dEntropy = -(derivative / total - weighted / (total * total)) / Double(average)
            grad[start + j * stride] += Float(weight * dEntropy)
        }
        return entropy / Double(average)
    }

    /// Adds `weight × dR` to the parameter gradients and (if needed) to `ws.gradInputT`.
    func addRegularizationGradient(_ settings: KANRegularization, _ ws: KANWorkspace) {
        let batch = ws.batch, nb = basisCount, rows = nb + 1, lambda = settings.weight
        let denominator = Float(batch - 1)
        for i in 0..<inputs {
            let siluDerivative = ws.siluDerivativeT + i * batch
            let range = ws.inputStd[i] + 0.1
            var rangeGradient: Float = 0  // dR/d(range of input i)
            for o in 0..<outputs {
                let e = i * outputs + o
                rangeGradient -= ws.scaleGradient[e] * ws.edgeScale[e] / range
                guard ws.edgeStd[e] > 0 else { continue }
                // dR/dφ_s = a · (φ_s - mean φ); its sums against the rows are a · (C w).
                let a = lambda * ws.scaleGradient[e] / (denominator * ws.edgeStd[e] * range)
                let product = ws.regularizationProducts + e * rows
                let wb = scaleBase.value[e], wsp = scaleSpline.value[e]
                scaleBase.gradient[e] += a * Float(product[nb])
                var splineSum: Float = 0
                for m in 0..<nb {
                    let r = (i * nb + m) * outputs + o
                    coefficients.gradient[r] += a * wsp * Float(product[m])
                    splineSum += Float(product[m]) * coefficients.value[r]
                }
                scaleSpline.gradient[e] += a * splineSum
                if needsInputGradient, let phi = ws.centredActivations {
                    let centred = phi + e * batch, g = ws.gradInputT + i * batch
                    for s in 0..<batch { g[s] += a * centred[s] * wb * siluDerivative[s] }
                    for m in 0..<nb {
                        let c = ws.effective[(i * nb + m) * outputs + o], derivative = ws.basisDerivativeT + (i * nb + m) * batch
                        for s in 0..<batch { g[s] += a * centred[s] * c * derivative[s] }
                    }
                }
            }
            if needsInputGradient && ws.inputStd[i] > 0 {
                let x = ws.inputT + i * batch, g = ws.gradInputT + i * batch, mean = ws.inputMean[i]
                let factor = lambda * rangeGradient / (denominator * ws.inputStd[i])
                for s in 0..<batch { g[s] += factor * (x[s] - mean) }
            }
        }
        let inverseOut = lambda / Float(outputs)
        guard settings.coefficient != 0 || settings.coefficientDifference != 0 else { return }
        for i in 0..<inputs {
            for o in 0..<outputs {
                for m in 0..<nb {
                    let r = (i * nb + m) * outputs + o
                    let c = coefficients.value[r]
                    coefficients.gradient[r] += settings.coefficient * inverseOut * Self.sign(c)
                    if m + 1 < nb {
                        let next = (i * nb + m + 1) * outputs + o
                        let d = settings.coefficientDifference * inverseOut * Self.sign(coefficients.value[next] - c)
                        coefficients.gradient[next] += d
                        coefficients.gradient[r] -= d
                    }
                }
            }
        }
    }

    /// The mean and unbiased standard deviation of `count` values; if `scratch` is given,
    /// writes the centred values there (it may be the input itself).
    static func centre(_ values: UnsafePointer<Float>, count: Int, scratch: UnsafeMutablePointer<Float>?) -> (Float, Float) {
        let sum = VectorMath.sum(values, count: count)
        let mean = sum / Float(count)
        var squares: Float = 0
        if let scratch {  // centre in place, then a SIMD dot product
            for s in 0..<count { scratch[s] = values[s] - mean }
            squares = SGEMM.dot(scratch, scratch, count)
        } else {
            for s in 0..<count { squares += (values[s] - mean) * (values[s] - mean) }
        }
        return (mean, (squares / Float(count - 1)).squareRoot())
    }

    /// `Σ x[i]·y[i]` in Double, with four independent SIMD4 partial sums to hide add latency.
    static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ count: Int) -> Double {
        func load(_ p: UnsafePointer<Double>) -> SIMD4<Double> { UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self) }
        var s0 = SIMD4<Double>(), s1 = SIMD4<Double>(), s2 = SIMD4<Double>(), s3 = SIMD4<Double>()
        var i = 0
        while i + 16 <= count {
            s0 += load(x + i) * load(y + i)
            s1 += load(x + i + 4) * load(y + i + 4)
            s2 += load(x + i + 8) * load(y + i + 8)
            s3 += load(x + i + 12) * load(y + i + 12)
            i += 16
        }
        while i + 4 <= count {
            s0 += load(x + i) * load(y + i)
            i += 4
        }
        var total = ((s0 + s1) + (s2 + s3)).sum()
        while i < count {
            total += x[i] * y[i]
            i += 1
        }
        return total
    }

    /// The sign used for |x|' (0 at 0, like PyTorch).
    @inline(__always)
    static func sign(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) }
}
