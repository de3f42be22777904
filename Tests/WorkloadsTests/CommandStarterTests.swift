import SweepCore
import Testing
@testable import Workloads

/// The spec `sweep init --command` writes: placeholders, stubs, files, bounds.
@Suite struct CommandStarterTests {
    @Test(arguments: [
        ("lr", "[0.1,0.01,0.001]"), ("learning-rate", "[0.1,0.01,0.001]"), ("opt.lr", "[0.1,0.01,0.001]"), ("actor_lr", "[0.1,0.01,0.001]"),
        ("alpha", "[0.1,0.5,0.9]"), ("Dropout", "[0.1,0.5,0.9]"), ("weight_decay", "[0.0001,0.001,0.01]"),
        ("batch_size", "[32,64,128]"), ("bs", "[32,64,128]"), ("epochs", "[5,10]"), ("num_steps", "[5,10]"),
        ("hidden", "[64,128,256]"), ("n_layers", "[1,2,4]"), ("optimizer", #"["TODO-1","TODO-2"]"#), ("lrx", #"["TODO-1","TODO-2"]"#),
    ])
    func aPlaceholderGetsAPlausibleListByItsName(name: String, stub: String) {
        #expect(JSONValue.array(CommandStarter.stub(for: name)).canonicalText == stub)
    }

    @Test func placeholdersAreFoundAsTheCommandFillsThem() throws {
        let braces = try CommandStarter(command: "run --lr={lr}/{model.width}{{x}}{print $1}{}{seed} {b} {a} {lr}", name: nil) { _ in false }
        #expect(braces.placeholders == ["lr", "model.width", "b", "a"])
        let starter = try CommandStarter(command: #"sh -c 'python3 src/train.py --lr {lr} < data.csv' {lr} {seed}"#, name: nil) {
            ["src/train.py", "data.csv"].contains($0)
        }
        #expect(starter.placeholders == ["lr"] && starter.files == ["src/train.py", "data.csv"] && starter.name == "train")
        #expect(try CommandStarter(command: "./run --x {x}", name: nil) { _ in false }.name == "my-program")
        #expect(try CommandStarter(command: "python3 example.py", name: nil) { $0 == "example.py" }.name == "my-program")
    }

    @Test func theGridStaysSmallAndTheRestIsFixedInBase() throws {
        let command = "p " + (1...7).map { "{lr\($0)_lr}" }.joined(separator: " ")
        let starter = try CommandStarter(command: command, name: "big") { _ in false }
        let spec = try JSONParser.parse(starter.text)
        #expect(spec["grid"]?.objectValue?.count == 5)  // 3^5 = 243 configs
        #expect(spec["base"]?["lr6_lr"] == 0.1 && spec["base"]?["lr7_lr"] == 0.1)
        // An objective stub, commented out: the metric is the user's to name.
        #expect(spec["//objective_example"] == ["metric": "loss", "mode": "min"] && spec["objective"] == nil)
    }

    @Test(arguments: ["a {x..y}", "a {command}", "a\n{lr}", "a \u{202e}{lr}", String(repeating: "a", count: 4_097), "a 'open"])
    func refusesWhatCannotMakeASafeSpec(command: String) {
        #expect(throws: CommandStarter.Problem.self) { try CommandStarter(command: command, name: nil) { _ in false } }
    }
}
