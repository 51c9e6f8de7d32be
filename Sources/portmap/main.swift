import CNI
import PortMap

PluginMain.run(PortMapPlugin(), about: "CNI portmap plugin (swift-cni)")
