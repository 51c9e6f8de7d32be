import CNI
import Flannel

PluginMain.run(FlannelPlugin(), about: "CNI flannel plugin (swift-cni)")
