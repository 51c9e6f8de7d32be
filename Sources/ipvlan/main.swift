import CNI
import IPVLAN

PluginMain.run(IPVLANPlugin(), about: "CNI ipvlan plugin (swift-cni)")
