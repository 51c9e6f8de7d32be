import CNI
import Macvlan

PluginMain.run(MacvlanPlugin(), about: "CNI macvlan plugin (swift-cni)")
