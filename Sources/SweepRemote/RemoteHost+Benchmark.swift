import Foundation
import SweepSSH

extension RemoteHost {
    /// Measures what a sweep pays per host: connect + auth, opening an exec channel,
    /// a short command, a line's round trip over a long-lived channel, and upload speed over
    /// SFTP and over an exec channel, the one sweep uses (of `uploadPath`, to a scratch file in the remote home, removed afterwards).
    /// - Returns: (name, median milliseconds or MB/s) pairs, in that order.
    public static func benchmark(_ host: HostFile, uploadPath: String) async throws -> [(String, Double)] {
        let clock = ContinuousClock()
        func medianMilliseconds(_ samples: [Duration]) -> Double { samples.sorted()[samples.count / 2].seconds * 1000 }

        var connects: [Duration] = []
        for _ in 0..<10 {
            let start = clock.now
            let session = try await SSHSession.connect(to: target(host))
            connects.append(clock.now - start)
            await session.close()
        }
        let session = try await SSHSession.connect(to: target(host))
        do {
            var opens: [Duration] = []
            var runs: [Duration] = []
            for _ in 0..<10 {
                var start = clock.now
                let channel = try await session.openExec("cat")
                opens.append(clock.now - start)
                await channel.close()
                start = clock.now
                _ = try await session.run("true")
                runs.append(clock.now - start)
            }
            let channel = try await session.openExec("cat")
            var events = channel.events.makeAsyncIterator()
            let line = Array(#"{"type":"heartbeat","running":[1,2,3],"v":1}"#.utf8 + [UInt8(ascii: "\n")])
            var trips: [Duration] = []
            for _ in 0..<500 {
                let start = clock.now
                try await channel.write(line)
                var received = 0
                while received < line.count, case .stdout(let bytes)? = try await events.next() { received += bytes.count }
                trips.append(clock.now - start)
            }
            await channel.close()
            let size = (try FileManager.default.attributesOfItem(atPath: uploadPath)[.size] as? NSNumber)?.doubleValue ?? 0
            let scratch = ".cache/sweep/bench-upload-\(UUID().uuidString)"
            var start = clock.now
            try await session.uploadOverSFTP(localPath: uploadPath, to: scratch, mode: 0o644)
            let upload = (clock.now - start).seconds
            start = clock.now
            try await session.upload(localPath: uploadPath, to: scratch, mode: 0o644)
            let execUpload = (clock.now - start).seconds
            _ = try await session.run("rm -f \(scratch)")
            await session.close()
            return [
                ("connect_auth_ms", medianMilliseconds(connects)), ("exec_open_ms", medianMilliseconds(opens)),
                ("run_true_ms", medianMilliseconds(runs)), ("line_round_trip_ms", medianMilliseconds(trips)),
                ("sftp_upload_MBps", size / upload / 1e6),
                ("exec_upload_MBps", size / execUpload / 1e6),
            ]
        } catch {
            await session.close()
            throw error
        }
    }
}
