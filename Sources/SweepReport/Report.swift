import SweepCore

/// A rendered-on-demand report of one sweep: header, tables, CSVs and learning-curve plots.
///
/// Building a `Report` computes every table and its sections once (`parts`); the renderers
/// (`markdown()`, `tablesJSON()`, `tidyCSV()`, `plots()`, `index(formats:)`,
/// `write(to:formats:)`) only format. All output
/// is deterministic: keys and values are sorted, numbers use fixed formats, and the
/// "generated at" time comes from the input.
public struct Report: Sendable {
    /// The data the report is rendered from.
    public let input: ReportInput
    /// Per table (the input's table specs, or the default table when it has none): the
    /// table, its ranking over its main metric (the objective when the table shows it, else
    /// its first metric) and its sections.
    public var parts: [ReportPart]

    /// The computed tables, in order.
    public var tables: [ReportTable] { parts.map(\.table) }

    /// Tables with more rows than this are summarised in `report.md` (best configurations,
    /// marginals, heatmap); their CSV always has every row.
    public static let markdownRowLimit = 300
    /// Tables with more rows or column groups than this get grouped learning curves (the
    /// best configurations, and one figure per swept param) instead of one figure per row.
    public static let curvesPerRowLimit = 20

    /// Computes the report's tables.
    ///
    /// Without table specs, the default table has one row per distinct configuration (every
    /// param that varies, seed excluded) and every recorded metric, over the default window.
    public init(_ input: ReportInput) {
        self.input = input
        var specs = input.tables.isEmpty ? [TableSpec()] : input.tables
        // The sweep's objective leads: the main metric of a table listing every metric, and
        // the direction of a table led by it that names none.
        if let objective = input.objective {
            let recorded = Set(input.jobs.lazy.filter { $0.state == .done }.flatMap(\.metrics.keys))
            for index in specs.indices {
                if specs[index].metrics.isEmpty, recorded.contains(objective.metric) {
                    specs[index].metrics = [objective.metric] + recorded.subtracting([objective.metric]).sorted()
                }
                if specs[index].metrics.contains(objective.metric), specs[index].direction == nil {
                    specs[index].direction = objective.mode == .max ? .maximize : .minimize
                }
            }
        }
        let order = ValueOrder(axisOrder: input.axisOrder)
        // Every figure and ranking shows the objective when the table has it, whatever the
        // metrics' order (a table titled "test accuracy" listing train_acc first).
        let main = input.objective?.metric
        parts = specs.enumerated().map { offset, spec in
            let table = ReportTable(spec: spec, number: offset + 1, jobs: input.jobs, axisOrder: input.axisOrder)
            let ranking = TableRanking(table: table, order: order, main: main, jobs: input.isSearch ? input.jobs : nil)
            return ReportPart(table: table, ranking: ranking, sections: Self.sections(of: table, ranking: ranking, input: input))
        }
    }

    /// A table's sections, in report.md's order: the place a new section is added.
    static func sections(of table: ReportTable, ranking: TableRanking?, input: ReportInput) -> [any ReportSection] {
        var sections: [any ReportSection] = [TableSection(table: table, hasHeatmap: ranking?.heatmap != nil)]
        if let ranking, isSummarised(table) || table.spec.top != nil {
            sections.append(BestConfigurationsSection(table: table, ranking: ranking))
            if ranking.marginals.count > 1 {
                sections += [MarginalsSection(table: table, ranking: ranking), ImportanceSection(ranking)] as [any ReportSection]
            }
        }
        sections.append(DifferencesSection(table: table, jobs: input.jobs))
        sections.append(FiguresSection(table: table, ranking: ranking, input: input))
        return sections
    }

    /// Whether `report.md` shows a summary of the table rather than every row.
    static func isSummarised(_ table: ReportTable) -> Bool {
        table.rows.count > markdownRowLimit
    }

    /// Jobs not in state `done`, by id: they are left out of every number and listed.
    var jobsLeftOut: [ReportJob] {
        input.jobs.filter { $0.state != .done }.sorted { $0.id < $1.id }
    }

    /// The params whose value differs between jobs (a param some jobs lack differs too),
    /// sorted; one pass over the jobs, each compared with the first.
    var varyingParamKeys: [String] {
        guard let first = input.jobs.first?.params else { return [] }
        var varying = Set<String>()
        for job in input.jobs.dropFirst() {
            for (key, value) in job.params where first[key] != value { varying.insert(key) }
            for key in first.keys where job.params[key] == nil { varying.insert(key) }
        }
        return varying.sorted()
    }

    /// Indices of the done jobs, by id: the rows of `metrics.csv` (indices, so 100,000 jobs
    /// are not copied).
    var doneJobIndices: [Int] {
        input.jobs.indices.filter { input.jobs[$0].state == .done }.sorted { input.jobs[$0].id < input.jobs[$1].id }
    }
}
