import CNI
import SBR

PluginMain.run(SBRPlugin(), about: "CNI sbr plugin (swift-cni)")
