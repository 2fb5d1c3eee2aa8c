# [NEW, experiment] the reference's int8 ImageNet logits of the protocol's 2,000 test images (its val transform,
# its quantized graph with the original head), one line per image: path then 1000 ints
import _env_shim, sys, torch
from core.utils.config import configs, load_config_from_file
load_config_from_file('configs/cifar10_sub.yaml')
from core.dataset import build_dataset
from quantize.custom_quantized_format import build_quantized_network_from_cfg
cfg = torch.load('assets/mcu_models/mcunet-5fps.pkl', weights_only=False)
model = build_quantized_network_from_cfg(cfg, n_bit=8).eval()
val = build_dataset()['val']
torch.set_num_threads(1)
with open(sys.argv[1], 'w') as f, torch.no_grad():
    for i, (path, _) in enumerate(val.samples):
        x, _ = val[i]
        y = model(x.unsqueeze(0)).flatten()
        f.write(path + ' ' + ' '.join(str(int(v)) for v in y.round().tolist()) + '\n')
