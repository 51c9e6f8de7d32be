import Glibc
import NetAddress
import Posix
import SystemPackage

/// Keeping `LeaseIndex` in step with the lease directory. The protocol, under the lock:
/// 1. load: the cache is used only if `state` is intact and records the lease directory's current
///    `Stamp`, and each bucket only if its hash is the one `state` records; otherwise (first run, a
///    change by the reference or by hand, a crash, a torn write) it is rebuilt by reading every
///    lease, which is what the reference does on every call;
/// 2. every lease we create or remove is applied to the index in memory;
/// 3. commit: dirty buckets are written, the directory's mtime is set to a marker, and `state` is
///    written last. A crash before that leaves a `state` that no longer matches the directory
///    (step 2 changed it) or a bucket that no longer matches its hash, so the next run rebuilds.
extension DiskAddressStore {
    /// Makes `index` usable: from the cache when it is current, else rebuilt from the leases.
    func loadIndex() throws {
        if index != nil { return }
        if let cacheDir, let bytes = try? cacheDir.readFile(Self.stateName, limit: 16 << 20),
            let (stamp, hashes, ownerless) = LeaseIndex.decodeState(bytes), let now = try? currentStamp(), stamp == now
        {
            var cached = LeaseIndex()
            cached.hashes = hashes
            cached.ownerless = ownerless
            index = cached
            return
        }
        try rebuildIndex()
    }

    /// Reads every lease (the authoritative, O(leases) path).
    func rebuildIndex() throws {
        let entries = try io("failed to read \(location.leaseDirectory)") { try leaseDir.entries() }
        var fresh = LeaseIndex()
        fresh.complete = true
        for entry in entries where !entry.isDirectory {
            // Only files named by an address are leases: not `lock`, `last_reserved_ip.N` or strays.
            guard let ip = IPAddress(entry.name), ip.description == entry.name else { continue }
            // A lease we cannot read (vanished, a directory, no permission) is left alone: still taken.
            leaseFilesRead += 1
            guard let bytes = try? leaseDir.readFile(entry.name, limit: Self.smallFileLimit) else { continue }
            if let owner = LeaseOwner.parse(leaseContent: bytes) {
                fresh.add(LeaseIndex.Entry(address: entry.name, owner: owner))
            } else {
                fresh.ownerless.insert(entry.name)
            }
        }
        fresh.dirty = Set(0..<LeaseIndex.bucketCount)
        index = fresh
    }

    /// Makes sure the index was read from the leases themselves during this call.
    func ensureComplete() throws {
        try loadIndex()
        if !index!.complete { try rebuildIndex() }
    }

    /// Bucket `b`, read from the cache if not in memory yet. A bucket we cannot read or parse
    /// means the cache is damaged: rebuild.
    func bucket(_ b: Int) throws -> [LeaseIndex.Entry] {
        try loadIndex()
        if let entries = index!.buckets[b] { return entries }
        if index!.complete { return [] }
        let name = LeaseIndex.bucketFileName(b)
        if let cacheDir {
            do {
                let bytes = try cacheDir.readFile(name, limit: 64 << 20) ?? []
                let expected = index!.hashes[b] ?? LeaseIndex.fnv([])
                if LeaseIndex.fnv(bytes) == expected, let entries = LeaseIndex.decode(bytes) {
                    index!.buckets[b] = entries
                    return entries
                }
            } catch {}
        }
        try rebuildIndex()
        return index!.buckets[b] ?? []
    }

    /// The leases the index lists for `containerID`, each confirmed by reading its file. One that
    /// does not say what the index says means the cache is wrong: rebuild and answer from the leases.
    func verifiedEntries(of containerID: String) throws -> [LeaseIndex.Entry] {
        let b = LeaseIndex.bucket(of: containerID)
        let found = try bucket(b).filter { $0.owner.containerID == containerID }
        if index!.complete { return found }
        for entry in found {
            leaseFilesRead += 1
            let bytes = try? leaseDir.readFile(entry.address, limit: Self.smallFileLimit)
            if bytes.flatMap({ LeaseOwner.parse(leaseContent: $0) }) != entry.owner {
                try rebuildIndex()
                return (index!.buckets[b] ?? []).filter { $0.owner.containerID == containerID }
            }
        }
        return found
    }

    /// Addresses with a lease naming an owner. Names only (no lease is read) when the cache is current.
    public func leasedAddresses() throws -> [IPAddress] {
        try loadIndex()
        if index!.complete {
            return index!.buckets.values.flatMap { $0.compactMap { IPAddress($0.address) } }
        }
        let ownerless = index!.ownerless
        let entries = try io("failed to read \(location.leaseDirectory)") { try leaseDir.entries() }
        return entries.compactMap { e in
            guard !e.isDirectory, !ownerless.contains(e.name), let ip = IPAddress(e.name), ip.description == e.name
            else { return nil }
            return ip
        }
    }

    func currentStamp() throws -> LeaseIndex.Stamp {
        let st = try leaseDir.status()
        return LeaseIndex.Stamp(
            device: UInt64(st.st_dev), inode: UInt64(st.st_ino),
            mtime: (st.st_mtim.tv_sec, st.st_mtim.tv_nsec), ctime: (st.st_ctim.tv_sec, st.st_ctim.tv_nsec))
    }

    /// Writes the index back (see the protocol above). Failures only cost a rebuild next time.
    func commitIndex() {
        guard let cacheDir else { return }
        guard var index, indexTrusted else {
            if leaseDirChanged || !indexTrusted { _ = try? cacheDir.truncateFile(Self.stateName) }
            return
        }
        guard leaseDirChanged || !index.dirty.isEmpty else { return }
        do {
            for b in index.dirty.sorted() {
                let name = LeaseIndex.bucketFileName(b)
                let entries = index.buckets[b] ?? []
                if entries.isEmpty {
                    try cacheDir.truncateFile(name)
                    index.hashes[b] = nil
                } else {
                    let bytes = LeaseIndex.encode(entries)
                    try cacheDir.replaceFile(name, with: bytes)
                    index.hashes[b] = LeaseIndex.fnv(bytes)
                }
            }
            let stamp = try markLeaseDirectory()
            let state = LeaseIndex.encodeState(stamp, hashes: index.hashes, ownerless: index.ownerless)
            try cacheDir.replaceFile(Self.stateName, with: state)
            index.dirty = []
            self.index = index
        } catch {
            _ = try? cacheDir.truncateFile(Self.stateName)
        }
    }

    /// Sets the lease directory's mtime to one nanosecond before the current clock tick and returns
    /// the resulting stamp. The kernel stamps later changes with the clock (coarse or, on newer
    /// kernels, finer), never earlier than this tick, so none of them can reproduce the marker:
    /// a change by the reference within the same tick as ours is still seen.
    func markLeaseDirectory() throws -> LeaseIndex.Stamp {
        let now = Self.coarseRealtime()
        var marker = now
        if marker.tv_nsec > 0 {
            marker.tv_nsec -= 1
        } else {
            marker.tv_sec -= 1
            marker.tv_nsec = 999_999_999
        }
        try leaseDir.setModificationTime(marker)
        let stamp = try currentStamp()
        // A file system with coarse timestamps (FAT, old ext3) rounds the marker: no cache there.
        guard stamp.mtime.sec == marker.tv_sec, stamp.mtime.nsec == marker.tv_nsec else {
            throw Errno.notSupported
        }
        return stamp
    }

    /// The clock the kernel stamps files with (before multigrain timestamps refine it).
    static func coarseRealtime() -> timespec {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &ts)
        return ts
    }
}
