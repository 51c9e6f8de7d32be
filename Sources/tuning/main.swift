import CNI
import Tuning

PluginMain.run(TuningPlugin(), about: "CNI tuning plugin (swift-cni)")
