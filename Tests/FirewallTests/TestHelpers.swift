import CNITestSupport
import Foundation

/// The nat table as iptables-save prints it with only the built-in chains.
let emptyNAT = """
    *nat
    :PREROUTING ACCEPT [0:0]
    :INPUT ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    :POSTROUTING ACCEPT [0:0]
    COMMIT

    """
