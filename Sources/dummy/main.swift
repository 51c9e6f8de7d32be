import CNI
import Dummy

PluginMain.run(DummyPlugin(), about: "CNI dummy plugin (swift-cni)")
