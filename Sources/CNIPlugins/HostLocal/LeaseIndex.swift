/// A cache of the lease directory, kept so that ADD, DEL and CHECK read a few small files instead
/// of every lease (the reference reads them all on each call). The lease files stay the truth:
/// every hit is confirmed by reading that one lease, and the whole cache is thrown away and
/// rebuilt from the leases whenever the lease directory changed behind our back (see `Stamp`).
///
/// On disk, in `<dataDir>/.swift-cni/<network>/` (outside the lease directory, so the reference's
/// recursive walk, which deletes every file whose content is `id\r\nifname`, never sees it):
/// - `b-00` … `b-ff`: one bucket per hash of the container ID, a line `<ip> <containerID> [<ifname>]`
///   per lease (no ifname: a legacy lease); a bucket with no lease has no file;
/// - `state`: the format line, the lease directory's `Stamp`, then the names of ownerless leases.
struct LeaseIndex {
    static let bucketCount = 256
    static let formatLine = "swift-cni host-local index 1 \(bucketCount)"

    struct Entry: Hashable {
        /// The lease file's name: the address as the reference prints it.
        var address: String
        var owner: LeaseOwner
    }

    /// Buckets read so far (or all of them once `complete`).
    var buckets: [Int: [Entry]] = [:]
    /// Buckets changed since they were read, to be written back.
    var dirty: Set<Int> = []
    /// Lease files whose content names no owner.
    var ownerless: Set<String> = []
    /// True when built from the lease directory itself: every bucket is in memory.
    var complete = false

    /// FNV-1a of the container ID: stable across runs and builds, unlike Hasher.
    static func bucket(of containerID: String) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in containerID.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return Int(h % UInt64(bucketCount))
    }

    static func bucketFileName(_ b: Int) -> String {
        let hex = String(b, radix: 16)
        return "b-" + (hex.count < 2 ? "0" + hex : hex)
    }

    mutating func add(_ entry: Entry) {
        let b = Self.bucket(of: entry.owner.containerID)
        buckets[b, default: []].append(entry)
        dirty.insert(b)
    }

    mutating func remove(_ entry: Entry) {
        let b = Self.bucket(of: entry.owner.containerID)
        buckets[b]?.removeAll { $0 == entry }
        dirty.insert(b)
    }

    // MARK: Encoding

    static func encode(_ entries: [Entry]) -> [UInt8] {
        var text = ""
        for e in entries {
            text += e.address + " " + e.owner.containerID
            if let ifname = e.owner.ifname { text += " " + ifname }
            text += "\n"
        }
        return Array(text.utf8)
    }

    /// nil when the bucket is not one we wrote: the caller then rebuilds everything.
    static func decode(_ bytes: [UInt8]) -> [Entry]? {
        var out: [Entry] = []
        for line in bytes.split(separator: 10) {
            let fields = line.split(separator: 32)
            guard fields.count == 2 || fields.count == 3,
                let address = String(validating: fields[0], as: UTF8.self),
                let id = String(validating: fields[1], as: UTF8.self)
            else { return nil }
            var ifname: String? = nil
            if fields.count == 3 {
                guard let name = String(validating: fields[2], as: UTF8.self) else { return nil }
                ifname = name
            }
            out.append(Entry(address: address, owner: LeaseOwner(unchecked: id, ifname: ifname)))
        }
        return out
    }

    /// What the lease directory looked like right after our last change. Any later create, remove
    /// or rename in it moves its mtime and ctime on, and the cache no longer matches. Timestamps are
    /// coarse (a clock tick of 1–10 ms), so a change in the same tick as ours could leave them
    /// unchanged; hence `mtime` is not the kernel's but a marker we set just *before* the current
    /// tick, which no later natural change can produce (see DiskAddressStore.commitIndex).
    struct Stamp: Equatable {
        var device: UInt64
        var inode: UInt64
        var mtime: (sec: Int, nsec: Int)
        var ctime: (sec: Int, nsec: Int)

        static func == (a: Stamp, b: Stamp) -> Bool {
            a.device == b.device && a.inode == b.inode && a.mtime == b.mtime && a.ctime == b.ctime
        }

        var text: String {
            "\(device) \(inode) \(mtime.sec) \(mtime.nsec) \(ctime.sec) \(ctime.nsec)"
        }

        init(device: UInt64, inode: UInt64, mtime: (sec: Int, nsec: Int), ctime: (sec: Int, nsec: Int)) {
            self.device = device
            self.inode = inode
            self.mtime = mtime
            self.ctime = ctime
        }

        init?(text: Substring) {
            let f = text.split(separator: " ")
            guard f.count == 6, let d = UInt64(f[0]), let i = UInt64(f[1]), let ms = Int(f[2]), let mn = Int(f[3]),
                let cs = Int(f[4]), let cn = Int(f[5])
            else { return nil }
            self.init(device: d, inode: i, mtime: (ms, mn), ctime: (cs, cn))
        }
    }

    static func encodeState(_ stamp: Stamp, ownerless: Set<String>) -> [UInt8] {
        var text = formatLine + "\n" + stamp.text + "\n"
        for name in ownerless.sorted() { text += name + "\n" }
        return Array(text.utf8)
    }

    static func decodeState(_ bytes: [UInt8]) -> (stamp: Stamp, ownerless: Set<String>)? {
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.count >= 2, lines[0] == formatLine, let stamp = Stamp(text: lines[1]) else { return nil }
        return (stamp, Set(lines.dropFirst(2).map(String.init)))
    }
}
