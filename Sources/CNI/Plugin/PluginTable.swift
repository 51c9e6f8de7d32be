import CNetlinkShim
import Glibc
import Posix
import SystemPackage

/// The plugins of the multi-call binary `swift-cni`, which is installed once and linked under
/// every plugin name (as BusyBox is): it runs the plugin named by the basename of `argv[0]`.
///
/// The table is a linker set: each plugin library registers itself with one line in its own
/// sources, an entry placed in the `swift_cni_plugins` section, and the linker gathers the entries
/// of every library linked into the executable (Sources/README.md has the recipe):
/// ```swift
/// @used @section("swift_cni_plugins")
/// let registration: PluginTable.Entry = { PluginTable.entry($0, "loopback") { LoopbackPlugin() } }
/// ```
public enum PluginTable {
    /// One entry: answers the plugin's name (a NUL-terminated static string) or, with `run`,
    /// runs the plugin for this process's request and exits.
    public typealias Entry = @convention(c) (_ run: Bool) -> UnsafePointer<UInt8>

    /// The body of every entry.
    public static func entry<Plugin: CNIPlugin>(
        _ run: Bool, _ name: StaticString, _ plugin: () -> Plugin
    ) -> UnsafePointer<UInt8> {
        if run { PluginMain.run(plugin(), about: "CNI \(name) plugin (swift-cni)") }
        return name.utf8Start
    }

    /// The entries linked into this executable, in link order.
    static var entries: UnsafeBufferPointer<Entry> {
        guard let begin = cni_plugin_table_begin(), let end = cni_plugin_table_end() else {
            return UnsafeBufferPointer(start: nil, count: 0)
        }
        let raw = UnsafeRawPointer(begin)
        return UnsafeBufferPointer(
            start: raw.assumingMemoryBound(to: Entry.self), count: (UnsafeRawPointer(end) - raw) / MemoryLayout<Entry>.stride)
    }

    /// The names of the plugins linked in.
    public static var names: [String] { entries.map { String(cString: $0(false)) } }

    /// The multi-call binary's `main`: runs the plugin named by `argv[0]`'s basename; under any
    /// other name (its own, `swift-cni`), the plugin named by the first argument. `--list` prints
    /// the names it holds, one a line; anything else prints what it holds and exits with 1.
    public static func main() -> Never {
        let argc = Int(CommandLine.argc)
        let argv = CommandLine.unsafeArgv
        if argc > 0, let invoked = argv[0], let entry = lookup(basename(invoked)) {
            _ = entry(true)
        }
        if argc > 1, let first = argv[1] {
            if let entry = lookup(first) { _ = entry(true) }
            if strcmp(first, "--list") == 0 {
                try? FileDescriptor.standardOutput.writeAll(Array(names.map { $0 + "\n" }.joined().utf8))
                exit(0)
            }
        }
        let me = argc > 0 ? argv[0].map { String(cString: basename($0)) } ?? "swift-cni" : "swift-cni"
        let usage = """
            \(me): swift-cni, CNI plugins in one executable. Run it as one of its plugins, by a link of
            that name (how runtimes find it on CNI_PATH) or as `\(me) PLUGIN`; `\(me) --list` prints them.
            Plugins: \(names.joined(separator: " "))

            """
        try? FileDescriptor.standardError.writeAll(Array(usage.utf8))
        exit(1)
    }

    /// The entry named `name` (a C string), without building a Swift string for each entry.
    private static func lookup(_ name: UnsafePointer<CChar>) -> Entry? {
        for entry in entries where strcmp(UnsafeRawPointer(entry(false)).assumingMemoryBound(to: CChar.self), name) == 0 {
            return entry
        }
        return nil
    }

    /// The last path component of `path`, without copying.
    private static func basename(_ path: UnsafePointer<CChar>) -> UnsafePointer<CChar> {
        guard let slash = strrchr(path, 0x2F) else { return path }
        return UnsafePointer(slash + 1)
    }
}
