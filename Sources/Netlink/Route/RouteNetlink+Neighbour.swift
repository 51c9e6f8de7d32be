import NetAddress

extension RouteNetlink {
    /// Neighbour entries, optionally of one family and/or interface. Equivalent to `ip [-4|-6] neigh show [dev <dev>]`.
    public func neighbours(family: IPFamily? = nil, index: Int32? = nil) throws -> [Neighbour] {
        try dump(.dumpNeighbours(family: family, index: index), Neighbour.init(message:)).filter {
            (family == nil || $0.family == family) && (index == nil || $0.index == index)
        }
    }

    /// Adds or replaces a neighbour entry. Equivalent to `ip neigh replace <ip> lladdr <mac> dev <dev> nud permanent`.
    public func replaceNeighbour(_ neighbour: Neighbour) throws {
        try execute(.replaceNeighbour(neighbour))
    }

    /// Deletes a neighbour entry. Equivalent to `ip neigh del <ip> dev <dev>`.
    public func deleteNeighbour(_ neighbour: Neighbour) throws {
        try execute(.deleteNeighbour(neighbour))
    }
}
