import Foundation
import SweepCore

/// A line that is not a valid message of this protocol version.
public struct WireError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var line: String

    public init(_ message: String, line: String) {
        self.message = message
        self.line = line
    }

    public var description: String {
        let shown = line.count > 200 ? String(line.prefix(200)) + "…" : line
        return "bad protocol message (\(message)): \(shown)"
    }
}

extension WorkerMessage {
    /// One line of JSON, ending in a newline.
    public var line: String {
        var fields: [String: JSONValue] = ["v": .int(wireProtocolVersion)]
        switch self {
        case .ready(let info):
            fields["type"] = "ready"
            fields["version"] = .string(info.version)
            fields["binary"] = .string(info.binaryHash)
            fields["hostname"] = .string(info.hostname)
            fields["cores"] = .int(info.cores)
            fields["slots"] = .int(info.slots)
            if let os = info.os { fields["os"] = .string(os) }
            if let cpu = info.cpu { fields["cpu"] = .string(cpu) }
            if let placement = info.placement {
                var object: [String: JSONValue] = ["kind": .string(placement.kind)]
                if let id = placement.id { object["id"] = .string(id) }
                if let node = placement.node { object["node"] = .string(node) }
                fields["placement"] = .object(object)
            }
        case .started(let job, let attempt):
            fields["type"] = "started"
            fields["job"] = .int(Int(job))
            fields["attempt"] = .int(attempt)
        case .metric(let job, let attempt, let epoch, let values):
            fields["type"] = "metric"
            fields["job"] = .int(Int(job))
            fields["attempt"] = .int(attempt)
            fields["epoch"] = .int(epoch)
            fields["values"] = .object(values.mapValues { .double($0) })
        case .log(let job, let attempt, let text):
            fields["type"] = "log"
            fields["job"] = .int(Int(job))
            fields["attempt"] = .int(attempt)
            fields["line"] = .string(text)
        case .output(let job, let attempt, let path, let offset, let bytes):
            fields["type"] = "output"
            fields["job"] = .int(Int(job))
            fields["attempt"] = .int(attempt)
            fields["path"] = .string(path)
            fields["offset"] = .int(offset)
            fields["data"] = .string(Data(bytes).base64EncodedString())
        case .finished(let result):
            fields["type"] = "finished"
            fields["job"] = .int(Int(result.job))
            fields["attempt"] = .int(result.attempt)
            fields["status"] = .string(result.status.rawValue)
            if let summary = result.summary { fields["summary"] = summary }
            if let error = result.error { fields["error"] = .string(error) }
            if let tail = result.stderrTail { fields["stderr_tail"] = .string(tail) }
            if let signal = result.signal { fields["signal"] = .int(Int(signal)) }
            if result.reportedByJob { fields["reported_by_job"] = true }
        case .heartbeat(let running):
            fields["type"] = "heartbeat"
            fields["running"] = .array(running.map { .int(Int($0)) })
        }
        return JSONValue.object(fields).canonicalText + "\n"
    }

    /// Parses one line (with or without its newline).
    public init(line: String) throws(WireError) {
        let fields = try WireFields(line: line)
        switch try fields.string("type") {
        case "ready":
            self = .ready(WorkerInfo(
                version: try fields.string("version"), binaryHash: try fields.string("binary"),
                hostname: try fields.string("hostname"), cores: try fields.int("cores"), slots: try fields.int("slots"),
                // Optional (older workers send neither) and bounded: they end up in every attempt row.
                os: fields.object["os"]?.stringValue.map { String($0.prefix(WorkerInfo.maxDescription)) },
                cpu: fields.object["cpu"]?.stringValue.map { String($0.prefix(WorkerInfo.maxDescription)) },
                placement: try fields.placement()))
        case "started":
            self = .started(job: try fields.job(), attempt: try fields.int("attempt"))
        case "metric":
            guard case .object(let raw)? = fields.object["values"] else { throw fields.error("missing values") }
            var values: [String: Double] = [:]
            for (name, value) in raw {
                // JSON has no NaN: a diverged metric arrives as null and is kept as NaN.
                values[name] = value.doubleValue ?? .nan
            }
            self = .metric(job: try fields.job(), attempt: try fields.int("attempt"), epoch: try fields.int("epoch"), values: values)
        case "log":
            self = .log(job: try fields.job(), attempt: try fields.int("attempt"), line: try fields.string("line"))
        case "output":
            guard let data = Data(base64Encoded: try fields.string("data")) else { throw fields.error("data is not base64") }
            self = .output(job: try fields.job(), attempt: try fields.int("attempt"), path: try fields.string("path"),
                           offset: try fields.int("offset"), bytes: Array(data))
        case "finished":
            guard let status = AttemptStatus(rawValue: try fields.string("status")) else { throw fields.error("bad status") }
            self = .finished(AttemptResult(
                job: try fields.job(), attempt: try fields.int("attempt"), status: status,
                summary: fields.object["summary"], error: fields.object["error"]?.stringValue,
                stderrTail: fields.object["stderr_tail"]?.stringValue,
                signal: fields.object["signal"]?.intValue.map { Int32($0) },
                reportedByJob: fields.object["reported_by_job"] == true))
        case "heartbeat":
            guard case .array(let items)? = fields.object["running"] else { throw fields.error("missing running") }
            self = .heartbeat(running: items.compactMap { $0.intValue.map(Int64.init) })
        case let other:
            throw fields.error("unknown worker message type \"\(other)\"")
        }
    }
}

extension CoordinatorMessage {
    /// One line of JSON, ending in a newline.
    public var line: String {
        var fields: [String: JSONValue] = ["v": .int(wireProtocolVersion)]
        switch self {
        case .run(let request):
            fields["type"] = "run"
            fields["job"] = .int(Int(request.job))
            fields["attempt"] = .int(request.attempt)
            fields["workload"] = .string(request.workload)
            fields["config"] = request.config.nested
            if let timeout = request.timeout { fields["timeout"] = .double(timeout) }
        case .cancel(let job):
            fields["type"] = "cancel"
            fields["job"] = .int(Int(job))
        case .stop(let job, let grace):
            fields["type"] = "stop"
            fields["job"] = .int(Int(job))
            fields["grace"] = .double(grace)
        case .drain:
            fields["type"] = "drain"
        }
        return JSONValue.object(fields).canonicalText + "\n"
    }

    /// Parses one line (with or without its newline).
    public init(line: String) throws(WireError) {
        let fields = try WireFields(line: line)
        switch try fields.string("type") {
        case "run":
            guard let config = fields.object["config"], config.objectValue != nil else { throw fields.error("missing config") }
            self = .run(RunRequest(
                job: try fields.job(), attempt: try fields.int("attempt"), workload: try fields.string("workload"),
                config: JobConfig(nested: config), timeout: fields.object["timeout"]?.doubleValue))
        case "cancel":
            self = .cancel(job: try fields.job())
        case "stop":
            // Bounded: the worker turns it into a deadline.
            guard let grace = fields.object["grace"]?.doubleValue, grace >= 0, grace <= 86_400 else {
                throw fields.error("stop needs a grace from 0 to 86400 seconds")
            }
            self = .stop(job: try fields.job(), grace: grace)
        case "drain":
            self = .drain
        case let other:
            throw fields.error("unknown coordinator message type \"\(other)\"")
        }
    }
}

/// The members of one message, with typed accessors that throw `WireError`.
private struct WireFields {
    let object: [String: JSONValue]
    let line: String

    init(line: String) throws(WireError) {
        self.line = line
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            throw WireError("not JSON: \(error.message)", line: line)
        }
        guard case .object(let object) = value else { throw WireError("not an object", line: line) }
        self.object = object
        guard object["v"]?.intValue == wireProtocolVersion else {
            throw WireError("protocol version \(object["v"]?.canonicalText ?? "missing"), expected \(wireProtocolVersion); "
                + "run the same sweep binary on both sides", line: line)
        }
    }

    func error(_ message: String) -> WireError { WireError(message, line: line) }

    func string(_ key: String) throws(WireError) -> String {
        guard let v = object[key]?.stringValue else { throw error("missing \(key)") }
        return v
    }

    func int(_ key: String) throws(WireError) -> Int {
        guard let v = object[key]?.intValue else { throw error("missing \(key)") }
        return v
    }

    func job() throws(WireError) -> Int64 { Int64(try int("job")) }

    /// `ready`'s optional `placement`: a kind that is a plain word (it is stored and shown as
    /// is), an id and a node cut to `WorkerInfo.maxDescription`; anything else is refused.
    func placement() throws(WireError) -> Placement? {
        guard let value = object["placement"] else { return nil }
        guard case .object(let fields) = value, let kind = fields["kind"]?.stringValue, Placement.isValidKind(kind) else {
            throw error("placement: expected {\"kind\": a lowercase word, \"id\", \"node\"}")
        }
        func text(_ key: String) throws(WireError) -> String? {
            guard let item = fields[key], item != .null else { return nil }
            guard let string = item.stringValue else { throw error("placement.\(key): expected a string") }
            return String(string.prefix(WorkerInfo.maxDescription))
        }
        return Placement(kind: kind, id: try text("id"), node: try text("node"))
    }
}
