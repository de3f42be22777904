import ArgumentParser
import Foundation
import SweepCore
import SweepSearch

extension Sweep.Bench {
    struct TPE: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tpe",
            abstract: "Run the TPE sampler (or random search) on Branin or Hartmann6 in process and print each seed's regret; --cost times a proposal instead.",
            discussion: """
                With --slots k the search is asynchronous as the coordinator runs it: k trials run at once, the oldest \
                ends, a new one is proposed with the others still running (constant liar). scripts/bench_tpe.py runs \
                this beside Optuna and prints one table.
                """)

        @Option(help: "branin or hartmann6.") var function = "branin"
        @Option(help: "Trials per search.") var trials = 60
        @Option(help: "Searches, with seeds 0..<N.") var seeds = 20
        @Option(help: "Trials running at once.") var slots = 1
        @Option(help: "tpe or random.") var method = "tpe"
        @Option(help: "Random trials before the model (TPE).") var startup = 10
        @Flag(inversion: .prefixedNo, help: "Model the parameters jointly (Optuna's multivariate, the default) or each on its own.") var multivariate = true
        @Option(help: ArgumentHelp("Instead of searching: CPU milliseconds per proposal with this many finished trials in the model (comma-separated).", valueName: "n,n"))
        var cost: String?
        @Flag(help: "Print JSON (only it goes to stdout).") var json = false

        func validate() throws {
            guard SyntheticObjective.all.contains(where: { $0.name == function }) else {
                throw ValidationError("--function must be one of " + SyntheticObjective.all.map(\.name).joined(separator: ", "))
            }
            guard ["tpe", "random"].contains(method) else { throw ValidationError("--method must be tpe or random") }
            guard (1...10_000).contains(trials), (1...1_000).contains(seeds), (1...64).contains(slots), (1...10_000).contains(startup) else {
                throw ValidationError("--trials 1...10000, --seeds 1...1000, --slots 1...64, --startup 1...10000")
            }
        }

        func run() throws {
            let objective = SyntheticObjective.all.first { $0.name == function }!
            if let cost {
                let counts = cost.split(separator: ",").compactMap { Int($0) }
                guard !counts.isEmpty, counts.allSatisfy({ (0...100_000).contains($0) }) else {
                    throw ValidationError("--cost takes trial counts in 0...100000, like 100,1000,10000")
                }
                printResult(counts.map { ("\(function) ms per proposal at \($0) trials", SuggestionCost.measure(objective, trials: $0, multivariate: multivariate) * 1000) }, json: json)
                return
            }
            let regrets = (0..<seeds).map { regret(objective, seed: UInt64($0)) }
            if json {
                let object: JSONValue = ["function": .string(function), "method": .string(method), "trials": .int(trials),
                                         "slots": .int(slots), "multivariate": .bool(multivariate), "regrets": .array(regrets.map { .double($0) })]
                print(object.canonicalText)
            } else {
                let sorted = regrets.sorted()
                print("\(function) \(method) n=\(trials) slots=\(slots): median regret \(sorted[sorted.count / 2]) over \(seeds) seeds")
            }
        }

        /// The best value found minus the function's minimum.
        func regret(_ objective: SyntheticObjective, seed: UInt64) -> Double {
            let sampler = TPESampler(dimensions: objective.dimensions, settings: .init(startup: method == "random" ? trials : startup, multivariate: multivariate))
            var generator = SplitMix64(seed: seed)
            var running: [(trial: Int, value: Double)] = []
            var best = Double.infinity
            for _ in 0..<trials {
                if running.count == slots {
                    // The oldest running trial ends (all take as long).
                    let ended = running.removeFirst()
                    sampler.record(ended.trial, .complete(ended.value))
                    best = min(best, ended.value)
                }
                let proposal = sampler.propose(&generator)
                let value = objective.evaluate(zip(objective.dimensions, proposal.coordinates).map { $0.value(at: $1) })
                running.append((sampler.add(proposal.coordinates), value))
            }
            for ended in running { best = min(best, ended.value) }
            return best - objective.minimum
        }
    }
}
