
extension ReportInput {
    /// Applies `sweep report --top K` and `--maximize/--minimize` to every table (the default
    /// table too); nil leaves each table's own setting.
    public mutating func rank(top: Int?, direction: TableSpec.Direction?) {
        guard top != nil || direction != nil else { return }
        tables = (tables.isEmpty ? [TableSpec()] : tables).map { table in
            var table = table
            if let top { table.top = top }
            if let direction { table.direction = direction }
            return table
        }
    }
}
