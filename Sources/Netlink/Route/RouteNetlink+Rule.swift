import NetAddress

extension RouteNetlink {
    /// Adds a policy rule; fails with `EEXIST` if an identical one exists. Equivalent to
    /// `ip [-6] rule add [from <prefix>] [to <prefix>] [pref <n>] lookup <table>`.
    public func addRule(_ rule: Rule) throws {
        try execute(.newRule(rule))
    }

    /// Deletes the rule matching `rule` (prefixes, table, priority when set). Equivalent to
    /// `ip [-6] rule del [from <prefix>] [pref <n>] lookup <table>`.
    public func deleteRule(_ rule: Rule) throws {
        try execute(.deleteRule(rule))
    }

    /// The rules of one family, in priority order. Equivalent to `ip [-6] rule show`.
    public func rules(family: IPFamily) throws -> [Rule] {
        try dump(.dumpRules(family: family), Rule.init(message:)).filter { $0.family == family }
    }
}
