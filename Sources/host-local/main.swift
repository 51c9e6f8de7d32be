import CNI
import HostLocal

PluginMain.run(HostLocalPlugin(), about: "CNI host-local plugin (swift-cni)")
