import Foundation
import Testing

/// Every example in README.md runs as written. Each ```sh block runs in a fresh sandbox
/// holding a copy of the repository's `Sweeps/` and the files the README asks the reader to
/// save (a fenced block whose first line is `# NAME.EXT...`, like `# train.py: ...`); each of
/// its lines runs in order through bash with the built `sweep` first on `PATH`, and must exit 0.
/// A line ending in a comment that is one parenthesised reason, `# (needs an SSH host)`, is
/// one the README marks as not runnable here: only those are skipped, so a new example is run
/// unless it says why not.
@Suite struct ReadmeExamplesTests {
    @Test(arguments: ReadmeExamples.shellBlocks)
    func runsAsWritten(_ block: ReadmeExamples.ShellBlock) throws {
        let readme = ReadmeExamples.parse(try ReadmeExamples.readme())
        let sandbox = try SweepSandbox()
        try FileManager.default.copyItem(at: ReadmeExamples.root.appendingPathComponent("Sweeps"),
                                         to: sandbox.directory.appendingPathComponent("Sweeps"))
        for file in readme.files { try sandbox.write(file.name, file.text) }
        for command in block.commands {
            guard command.skipReason == nil else { continue }
            let run = try sandbox.shell(command.text)
            #expect(run.status == 0, """
                README.md:\(command.line) exited \(run.status): \(command.text)
                stdout: \(run.stdout.suffix(2000))
                stderr: \(run.stderr.suffix(2000))
                """)
            if run.status != 0 { break }  // later lines build on this one
        }
        #expect(sandbox.waitForNoLeftovers().isEmpty, "processes left by README.md:\(block.line)")
        try? FileManager.default.removeItem(at: sandbox.directory)
    }

    @Test func theReadmeHasExamplesAndSaysWhyEachSkippedOneIsSkipped() throws {
        let readme = ReadmeExamples.parse(try ReadmeExamples.readme())
        let commands = readme.shellBlocks.flatMap(\.commands)
        let skipped = commands.filter { $0.skipReason != nil }
        print("README.md: \(commands.count - skipped.count) example lines run, \(skipped.count) skipped:")
        for command in skipped { print("  README.md:\(command.line): \(command.text)") }
        #expect(commands.count - skipped.count >= 10)
        #expect(readme.files.map(\.name).contains("train.py"))
        // The set-up commands and the tour's own program are there.
        #expect(commands.contains { $0.text.hasPrefix("make quickstart") && $0.skipReason != nil })
        #expect(commands.contains { $0.text.hasPrefix("sweep init --command") && $0.skipReason == nil })
        for command in skipped { #expect(command.skipReason?.isEmpty == false) }
    }

    /// The README's "where to read more" and docs/' cross-references name files and headings
    /// that exist, so moving a section cannot silently break them.
    @Test func everyLinkOfTheReadmeAndDocsLeadsToAFileAndAHeading() throws {
        let docs = ReadmeExamples.root.appendingPathComponent("docs")
        let pages = try ["README.md"] + FileManager.default.contentsOfDirectory(atPath: docs.path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        var checked = 0
        for page in pages {
            let url = ReadmeExamples.root.appendingPathComponent(page)
            let text = try String(contentsOf: url, encoding: .utf8)
            for match in text.matches(of: #/\]\(([^)\s]+)\)/#) {
                let target = String(match.1)
                guard !target.contains("://"), !target.hasPrefix("mailto:") else { continue }
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                let file = parts[0].isEmpty ? url : url.deletingLastPathComponent().appendingPathComponent(String(parts[0]))
                guard FileManager.default.fileExists(atPath: file.path) else {
                    Issue.record("\(page): link \(target): no file \(file.standardizedFileURL.path)")
                    continue
                }
                checked += 1
                guard parts.count == 2 else { continue }
                let anchors = ReadmeExamples.headingAnchors(try String(contentsOf: file, encoding: .utf8))
                #expect(anchors.contains(String(parts[1])), "\(page): link \(target): no such heading")
            }
        }
        #expect(checked >= 20)
    }

    @Test func onlyALineEndingInAParenthesisedReasonIsSkipped() {
        let markdown = """
            Text.

            ```python
            # fit.py: a program
            print("loss: 1")
            ```

            ```sh
            # a comment line
            sweep launch x              # the 6 jobs (3 x 2)

            sweep hosts add a --ssh b   # (needs an SSH host)
            sweep serve # ( )
            ```

            ```json
            {"not": "run"}
            ```
            """
        let parsed = ReadmeExamples.parse(markdown)
        #expect(parsed.files.map(\.name) == ["fit.py"])
        #expect(parsed.files.first?.text == "# fit.py: a program\nprint(\"loss: 1\")\n")
        let commands = parsed.shellBlocks.flatMap(\.commands)
        #expect(commands.map(\.text) == ["sweep launch x              # the 6 jobs (3 x 2)",
                                         "sweep hosts add a --ssh b   # (needs an SSH host)",
                                         "sweep serve # ( )"])
        #expect(commands.map(\.skipReason) == [nil, "needs an SSH host", nil])
        #expect(commands.map(\.line) == [10, 12, 13])
    }
}

/// README.md's fenced blocks: the shell examples and the files they use.
enum ReadmeExamples {
    /// The package's root: this file is Tests/EndToEndTests/ReadmeExamplesTests.swift.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The README's shell blocks; none if it cannot be read (the next test then fails).
    static var shellBlocks: [ShellBlock] { (try? readme()).map { parse($0).shellBlocks } ?? [] }

    static func readme() throws -> String {
        try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    }

    struct Command: Sendable {
        let line: Int
        let text: String
        /// The reason the README gives for not running it here, from a trailing `# (reason)`.
        let skipReason: String?
    }

    struct ShellBlock: Sendable, CustomTestStringConvertible {
        let line: Int
        let commands: [Command]
        var testDescription: String { "README.md:\(line) (\(commands.count) lines)" }
    }

    struct File: Sendable {
        let name: String
        let text: String
    }

    struct Parsed {
        var shellBlocks: [ShellBlock] = []
        var files: [File] = []
    }

    static func parse(_ markdown: String) -> Parsed {
        var parsed = Parsed()
        var fence: (language: String, line: Int, lines: [(Int, String)])?
        for (index, line) in markdown.components(separatedBy: "\n").enumerated() {
            let number = index + 1
            guard var open = fence else {
                if line.hasPrefix("```") { fence = (String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces), number, []) }
                continue
            }
            if line.trimmingCharacters(in: .whitespaces) == "```" {
                finish(open, into: &parsed)
                fence = nil
            } else {
                open.lines.append((number, line))
                fence = open
            }
        }
        return parsed
    }

    static func finish(_ block: (language: String, line: Int, lines: [(Int, String)]), into parsed: inout Parsed) {
        if block.language == "sh" {
            let commands = block.lines.compactMap { number, raw -> Command? in
                let text = raw.trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty, !text.hasPrefix("#") else { return nil }
                return Command(line: number, text: text, skipReason: skipReason(text))
            }
            parsed.shellBlocks.append(ShellBlock(line: block.line, commands: commands))
        } else if let first = block.lines.first?.1,
                  let match = first.firstMatch(of: #/^# ([A-Za-z0-9_./-]+\.[A-Za-z0-9]+)(:.*)?$/#) {
            parsed.files.append(File(name: String(match.1), text: block.lines.map(\.1).joined(separator: "\n") + "\n"))
        }
    }

    /// The anchors GitHub gives a page's headings: lower case, blanks as `-`, punctuation
    /// other than `-` and `_` dropped (headings inside code blocks are not headings).
    static func headingAnchors(_ markdown: String) -> Set<String> {
        var anchors = Set<String>()
        var inCode = false
        for line in markdown.components(separatedBy: "\n") {
            if line.hasPrefix("```") { inCode.toggle(); continue }
            guard !inCode, let match = line.firstMatch(of: #/^#{1,6} (.+)$/#) else { continue }
            anchors.insert(String(match.1.trimmingCharacters(in: .whitespaces).lowercased().compactMap { c -> Character? in
                if c == " " { return "-" }
                return c.isLetter || c.isNumber || c == "-" || c == "_" ? c : nil
            }))
        }
        return anchors
    }

    /// `reason` of a line ending in ` # (reason)`, the comment being that one parenthesis and
    /// the reason not blank.
    static func skipReason(_ line: String) -> String? {
        guard let match = line.firstMatch(of: #/\s#\s*\(([^()]*[^()\s][^()]*)\)\s*$/#) else { return nil }
        return String(match.1)
    }
}

extension SweepSandbox {
    /// Runs one line through bash (with pipefail) in the sandbox, the built `sweep` first on
    /// `PATH` and the sandbox as `$HOME` (so file caches and completions stay in it).
    func shell(_ line: String, timeout: Double = 120) throws -> Run {
        let bin = directory.appendingPathComponent(".readme-bin")
        if !FileManager.default.fileExists(atPath: bin.path) {
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(at: bin.appendingPathComponent("sweep"), withDestinationURL: Self.binary)
        }
        let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let run = try start(["-o", "pipefail", "-c", line], environment: ["HOME": directory.path, "PATH": path],
                            executable: URL(fileURLWithPath: "/bin/bash"))
        run.wait(timeout: timeout)
        return run
    }
}
