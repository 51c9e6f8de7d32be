import SystemPackage

extension Errno {
    /// The errno as Go prints it (`syscall.Errno.Error()`): strerror's text with its first letter
    /// lowercased, "no such file or directory". Messages that mirror the reference's use it, since
    /// that is what users grep for.
    public var goDescription: String {
        let text = description
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
