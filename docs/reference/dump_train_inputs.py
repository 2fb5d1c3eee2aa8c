# [NEW, experiment] the reference's training inputs under kilotrain's random draws: kt_streams.KtAugTrain (the
# reference's dataset, its PIL pipeline: RandomResizedCrop, flip, ColorJitter as timm's create_transform runs them,
# then ToTensor and Normalize(0.5, 1/255)) given kilotrain's crop box, flip, jitter order and factors for
# (seed, epoch, index); the int8 value is the float rounded half to even, as its first conv does. One line per
# sample: seed, epoch, class/file, CRC-32 of the 128x128x3 int8 values in HWC order.
import _env_shim, os, sys, zlib, torch
from core.utils.config import configs, load_config_from_file
load_config_from_file('configs/cifar10_sub.yaml')
from core.dataset import build_dataset
import kt_streams
train = kt_streams.KtAugTrain(build_dataset()['train'], 0)
with open(sys.argv[1], 'w') as f:
    for seed in (0, 7):
        for epoch in (0, 5):
            train.seed, train.epoch = seed, epoch
            for i in range(0, len(train), 50):
                x, _ = train[i]
                q = torch.round(x).clamp(-128, 127).to(torch.int8).permute(1, 2, 0).contiguous().numpy().tobytes()
                path = train.ds.samples[i][0]
                name = os.path.basename(os.path.dirname(path)) + '/' + os.path.basename(path)
                f.write(f'{seed} {epoch} {name} {zlib.crc32(q):08x}\n')
