/// The teardown rule: DEL and GC are never stopped by an option that does not read.
///
/// A runtime tears a network down plugin by plugin and stops at the first one that fails
/// (containerd does): a portmap DEL refused over a bad `hostPort` would leave the bridge's veth,
/// the host-local lease and the masquerade rules of every later plugin behind, for good. So DEL
/// and GC fail only on the envelope libcni's skel checks for every verb — JSON syntax, the
/// top-level type, `cniVersion`, `name`, the `CNI_*` variables — and otherwise clean up what they
/// can:
/// - ``PluginMain`` reads the spec's keys leniently (``NetworkConfig/init(json:lenient:)``: a
///   mistyped `ipam`, `dns`, `capabilities` or `prevResult` is unset) and does not check
///   `CNI_ARGS`;
/// - `prevResult` is decoded only when a verb asks for it (``NetworkConfig/prevResult``); teardown
///   takes it only when it reads (``NetworkConfig/readablePrevResult``);
/// - each plugin reads the few options its teardown needs with the accessors below: a value that
///   does not read is unset (the default), except a flag that switches a cleanup on, which then
///   counts as on: removing what is not there is a no-op, skipping a removal could leak.
///
/// Checks of values (ranges, combinations, backends) are ADD's, CHECK's and STATUS's business.
extension GoValue {
    /// For teardown: the value as `read` reads it, or nil (unset) when it does not read.
    public func readable<T>(_ read: (GoValue) throws(GoReadError) -> T?) -> T? {
        do {
            return try read(self)
        } catch {
            return nil
        }
    }

    /// For teardown: a boolean that switches a cleanup on (`ipMasq`, `macspoofchk`). False only
    /// when it is absent, `null` or reads false; a value that does not read counts as true.
    public var cleanupFlag: Bool {
        do {
            return try bool() ?? false
        } catch {
            return true
        }
    }
}
