import Foundation
import SweepCore
import SweepSearch
import SweepSpec
import SweepStore

/// A model-based search launched again goes on with the sampler settings its trials were
/// proposed with, not today's defaults: the settings stored with its first trial, or, for
/// trials recorded before settings were stored, each parameter on its own (the default
/// they were proposed with). A setting the spec states that differs is refused (status
/// 64, nothing written): its trials would not be the search it describes.
enum SearchContinuation {
    /// The plan with its search's settings as stored (unchanged for a new search, or one
    /// whose seed, space or template changed: that starts again), and the sampler settings
    /// to propose with (nil: the spec's). Reads only.
    static func resolve(_ plan: SweepPlan, databasePath: String) throws -> (plan: SweepPlan, settings: TPESampler.Settings?) {
        guard let search = plan.search, FileManager.default.fileExists(atPath: databasePath),
              let stored = try StoreReader(path: databasePath).storedSearch(named: plan.spec.name), stored.trials > 0
        else { return (plan, nil) }
        let settings: TPESampler.Settings
        if let json = stored.settings {
            guard let read = TPESampler.Settings(stored: json) else {
                throw CommandFailure("the sampler settings stored with sweep \"\(plan.spec.name)\" in \(databasePath) are not valid "
                    + "(search_settings: \(TerminalText.oneLine(json.canonicalText, limit: 200))): the search cannot go on as it began; "
                    + "give this one another name (--name NEW or its \"name\") to start a new search")
            }
            settings = read
        } else if stored.unreadable {
            throw CommandFailure("the sampler settings stored with sweep \"\(plan.spec.name)\" in \(databasePath) are not JSON "
                + "(table search_settings): give this one another name (--name NEW or its \"name\") to start a new search")
        } else {
            settings = .beforeStoredSettings(startup: search.sample.startup)
        }
        var continued = search
        continued.sample.startup = settings.startup
        continued.sample.multivariate = settings.multivariate
        // Another seed, space or template is another search: it starts again from trial 0
        // with the spec's settings (as before settings were stored).
        guard continued.identity == stored.identity else { return (plan, nil) }

        let document = plan.spec.document
        var conflicts: [SpecDiagnostic] = []
        let sample = search.sample
        if sample.stated.contains("multivariate"), sample.multivariate != settings.multivariate {
            conflicts.append(document.diagnostic("sample.multivariate", "the search \"\(plan.spec.name)\" in \(databasePath) has "
                + "\(stored.trials) trials proposed with \"multivariate\": \(settings.multivariate) ("
                + (settings.multivariate ? "parameters modelled jointly" : "each parameter modelled on its own")
                + (stored.settings == nil ? ", as every search before settings were stored" : "")
                + "); this spec says \(sample.multivariate). Remove the key to continue the search as it began, "
                + "or give this one another name (--name NEW or its \"name\") to start a new search"))
        }
        if sample.stated.contains("startup"), sample.startup != settings.startup {
            conflicts.append(document.diagnostic("sample.startup", "the search \"\(plan.spec.name)\" in \(databasePath) has "
                + "\(stored.trials) trials proposed with \"startup\": \(settings.startup); this spec says \(sample.startup). "
                + "Remove the key to continue the search as it began, or give this one another name "
                + "(--name NEW or its \"name\") to start a new search"))
        }
        guard conflicts.isEmpty else {
            throw CommandFailure("\(SpecError(conflicts))", exitCode: CommandFailure.invalidSpec)
        }
        var resolved = plan
        resolved.search = continued
        return (resolved, settings)
    }
}
