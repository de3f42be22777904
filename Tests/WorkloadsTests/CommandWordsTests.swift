import SweepCore
import Testing
@testable import Workloads

/// How a `command` string becomes words and how output lines become metrics.
@Suite struct CommandWordsTests {
    @Test func splitsLikeAShellWithoutRunningOne() throws {
        #expect(try CommandWords.split(#"python3  train.py --name 'a b' "c \"d\" $e" f\ g {lr}"#)
            == ["python3", "train.py", "--name", "a b", #"c "d" $e"#, "f g", "{lr}"])
        #expect(try CommandWords.split("sh -c 'echo $HOME | wc'") == ["sh", "-c", "echo $HOME | wc"])
        #expect(try CommandWords.split(#"a '' "" b"#) == ["a", "", "", "b"])
        #expect(throws: CommandWords.Problem.self) { try CommandWords.split("echo 'open") }
    }

    @Test func fillsPlaceholdersInsideWordsAndNamesAMissingOneWithItsPosition() throws {
        let config = JobConfig(["lr": 0.001, "seed": 3, "name": "a b", "model.width": 8, "on": true])
        let words = try CommandWords("run --lr={lr} {seed} {name} {model.width} {on} {{lr}} {} x{").filled(from: config)
        #expect(words == ["run", "--lr=0.001", "3", "a b", "8", "true", "{lr}", "{}", "x{"])
        #expect(try CommandWords(["echo", "{name}"]).filled(from: config) == ["echo", "a b"])
        do {
            _ = try CommandWords("run --lr {lrr}").filled(from: config)
            Issue.record("a misspelt placeholder was accepted")
        } catch {
            #expect(error.description.contains("{lrr} in word 3"), "\(error)")
        }
        #expect(throws: CommandWords.Problem.self) { try CommandWords(" ") }
        #expect(throws: CommandWords.Problem.self) { try CommandWords(3) }
    }

    @Test func readsMetricLinesAndJSONObjectsByEpoch() {
        var reported: [String] = []
        var parser = MetricLineParser { epoch, metrics in
            reported += metrics.sorted { $0.key < $1.key }.map { "\(epoch)/\($0.key)=\($0.value)" }
        }
        let lines = ["loss: 1.5", "epoch: 2", "  acc : 0.25 ", "loss: 3", "loss: 4", "Epoch 3: loss 1", "time: 12:30",
                     "loss: nan", #"{"step": 5, "acc": 0.5, "val/loss": 2}"#, #"{"epoch": 6, "note": "x"}"#, "step: 7", "x: 1e3"]
        let taken = lines.map { parser.take($0[...]) }
        parser.flush()
        #expect(taken == [true, true, true, true, true, false, false, false, true, true, true, true])
        #expect(reported == ["0/loss=1.5", "2/acc=0.25", "2/loss=3.0", "2/loss=4.0", "5/acc=0.5", "5/val/loss=2.0", "7/x=1000.0"])
    }
}
