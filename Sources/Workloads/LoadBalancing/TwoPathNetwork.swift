/// The two paths (MPLS and Internet) and the flow split between them: the part of the
/// simulator the agent's actions change.
///
/// Flows are long-lived: each step a fraction `turnover` of them ends and is replaced by
/// new flows, and only new flows follow the action. The MPLS share of the load is thus
/// `share <- (1 - turnover) * share + turnover * action`, so a decision keeps acting for
/// several steps and the previous action is worth observing.
struct TwoPathNetwork: Sendable {
    /// Number of features in an observation.
    static let featureCount = 10
    /// Delays are observed in units of this many ms, so features are of order one.
    static let delayUnit = 100.0

    let mpls: PathParameters
    let internet: PathParameters
    /// Fraction of flows replaced per step, in (0, 1].
    let turnover: Double

    /// Fraction of the current load carried by MPLS.
    private(set) var mplsShare: Double
    /// The action of the last step, in [0, 1].
    private(set) var previousAction: Double
    /// What the last step did (or, right after `reset`, what the initial split would do).
    private(set) var last: NetworkOutcome
    private var previousLoad: Double

    /// A network whose flows are split `initialShare` on MPLS.
    init(mpls: PathParameters, internet: PathParameters, turnover: Double, initialShare: Double) {
        self.mpls = mpls
        self.internet = internet
        self.turnover = turnover
        mplsShare = initialShare
        previousAction = initialShare
        previousLoad = 0
        last = NetworkOutcome(mpls: .init(offered: 0, delivered: 0, lost: 0, utilisation: 0, delay: 0, lossRate: 0),
                              internet: .init(offered: 0, delivered: 0, lost: 0, utilisation: 0, delay: 0, lossRate: 0),
                              phase: 0)
    }

    /// Starts an episode with `share` of the flows on MPLS; the observed path figures are
    /// those that split would give under `sample`, so the first observation is meaningful.
    mutating func reset(share: Double, sample: TrafficProcess.Sample) {
        mplsShare = share
        previousAction = share
        previousLoad = sample.load
        last = carry(sample)
    }

    /// Sends new flows with fraction `action` (clamped to [0, 1]) onto MPLS for one step
    /// of `sample`'s traffic and returns what happened.
    @discardableResult
    mutating func step(action: Double, sample: TrafficProcess.Sample) -> NetworkOutcome {
        let action = min(1, max(0, action))
        mplsShare = (1 - turnover) * mplsShare + turnover * action
        previousAction = action
        previousLoad = last.offered
        last = carry(sample)
        return last
    }

    @inline(__always)
    private func carry(_ sample: TrafficProcess.Sample) -> NetworkOutcome {
        let mplsLoad = mplsShare * sample.load
        return NetworkOutcome(
            mpls: mpls.carry(load: mplsLoad, randomLossFraction: mpls.randomLoss.lowerBound, extraDelay: 0),
            internet: internet.carry(load: sample.load - mplsLoad, randomLossFraction: sample.internetRandomLoss,
                                     extraDelay: sample.internetJitter),
            phase: sample.phase)
    }

    /// Writes the 10 state features of the network as it is now, before the next action:
    /// load and its change (over total capacity); MPLS utilisation, delay (in units of
    /// `delayUnit`), loss rate; the same for the Internet path; the previous action; the
    /// time-of-day phase.
    ///
    /// - Parameter features: At least `featureCount` writable elements.
    func observe(into features: UnsafeMutablePointer<Float>) {
        let totalCapacity = mpls.capacity + internet.capacity
        features[0] = Float(last.offered / totalCapacity)
        features[1] = Float((last.offered - previousLoad) / totalCapacity)
        features[2] = Float(last.mpls.utilisation)
        features[3] = Float(last.mpls.delay / Self.delayUnit)
        features[4] = Float(last.mpls.lossRate)
        features[5] = Float(last.internet.utilisation)
        features[6] = Float(last.internet.delay / Self.delayUnit)
        features[7] = Float(last.internet.lossRate)
        features[8] = Float(previousAction)
        features[9] = Float(last.phase)
    }
}

/// What both paths did in one step, and the totals rewards are computed from.
struct NetworkOutcome: Sendable, Hashable {
    var mpls: PathOutcome
    var internet: PathOutcome
    /// Time of day of the step, in [0, 1).
    var phase: Double

    /// Offered load in Mbit/s.
    var offered: Double { mpls.offered + internet.offered }
    /// Delivered load in Mbit/s.
    var delivered: Double { mpls.delivered + internet.delivered }
    /// Lost load in Mbit/s.
    var lost: Double { mpls.lost + internet.lost }
    /// Lost over offered.
    var lossRate: Double { offered > 0 ? lost / offered : 0 }
    /// Mean delay in ms, weighted by delivered traffic (the plain mean when nothing is delivered).
    var meanDelay: Double {
        let delivered = self.delivered
        return delivered > 0
            ? (mpls.delay * mpls.delivered + internet.delay * internet.delivered) / delivered
            : (mpls.delay + internet.delay) / 2
    }
}
