
extension TableSpec {
    /// Whether a job passes the table's filter.
    func admits(_ job: ReportJob) -> Bool {
        for (key, allowed) in filter {
            let value = job.value(of: key)
            guard allowed.contains(where: { ParamValue.matches(value, $0) }) else { return false }
        }
        return true
    }
}
