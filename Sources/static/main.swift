import CNI
import Static

PluginMain.run(StaticPlugin(), about: "CNI static plugin (swift-cni)")
