import CNI
import Tap

PluginMain.run(TapPlugin(), about: "CNI tap plugin (swift-cni)")
