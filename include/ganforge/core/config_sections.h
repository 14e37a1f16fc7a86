// The sections of an experiment configuration (config.h), one struct per TOML section. A component
// includes this header and takes its own section only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ganforge {

// One struct per TOML section, with the TOML keys as field names: `loss.type` in a file is `cfg.loss.type` in
// the code. Components take only their section (models: ModelConfig, the objective: LossConfig).
struct DataConfig {
  std::string dataset = "mnist";  // a name from the dataset registry (core/registry.h)
  std::string dir;                // IDX folder; empty: data/<dataset> under the project or $GANFORGE_DATA
  int64_t batch_size = 128;
  int64_t resolution = 0;           // images resized to this square side; 0: as the data is
  int64_t channels = 0;             // 1 (grey) or 3 (RGB); 0: as the data is
  std::string fit = "crop";         // crop | pad: how a non-square image becomes square
  std::string resize = "bilinear";  // bilinear (antialiased) | area
  bool skip_bad = false;            // images: skip unreadable and stray files with a warning (else exit 2)
  std::string pairs;                // "" | edges: pair each image with its edge map (data/edges.h), for pix2pix
};

struct ModelConfig {
  std::string arch = "mlp";  // mlp | dcgan | pix2pix
  int64_t z_dim = 100;
  std::string noise = "normal";  // normal: z ~ N(0, 1); uniform: z ~ U(-1, 1)
  std::vector<int64_t> g_hidden = {256, 256};
  std::vector<int64_t> d_hidden = {256, 256};
  std::string g_activation = "relu";
  std::string d_activation = "relu";
  double leaky_slope = 0.2;
  bool g_batchnorm = false;  // BatchNorm1d after each G hidden Linear (Ioffe & Szegedy 2015)
  double d_dropout = 0.0;  // dropout after each D hidden activation (Goodfellow et al. 2014 used it)
  int64_t maxout_pieces = 5;   // d_activation = "maxout": pieces per unit (Goodfellow et al. 2013)
  int64_t d_minibatch_std = 0;  // minibatch standard deviation before D's last layer, group size (Karras et al. 2018; 0: off)
  std::string g_output = "tanh";  // tanh | linear: G's output activation
  int64_t pack = 1;          // PacGAN: samples D judges jointly (Lin et al. 2018)
  std::string conditional;  // "" | concat | projection | acgan: G and D see class labels (models.h)
  int64_t classes = 10;     // conditional: number of classes (labels 0 .. classes - 1)
  bool d_batchnorm = false;  // BatchNorm after each D hidden layer but the first (DCGAN; not with penalties)
  bool d_spectral_norm = false;  // spectral normalization of every D weight (Miyato et al. 2018)
  int64_t g_channels = 64;  // dcgan: G's width at its last hidden layer (doubling towards z)
  int64_t d_channels = 64;  // dcgan: D's width at its first layer (doubling with depth)
  // torch: PyTorch defaults; glorot: Glorot-uniform weights, zero biases (Keras/TF); dcgan: N(0, 0.02)
  // weights, BatchNorm scales N(1, 0.02), zero biases (Radford et al. 2016)
  std::string init = "torch";
  // pix2pix (model.arch = "pix2pix"; src/models/pix2pix.cpp)
  int64_t input_channels = 1;    // channels of the image G translates (edge maps: 1)
  std::string norm = "batch";    // batch | instance: normalization in the U-Net and the PatchGAN
  double g_dropout = 0.5;        // dropout in the U-Net decoder's first three layers, G's noise (0: none)
  int64_t d_layers = 3;          // PatchGAN depth: 1, 2, 3 give 16, 34, 70-pixel patches
};

struct LossConfig {
  std::string type = "gan";               // a name from the loss registry: gan | lsgan | wgan | hinge
  std::string g_loss = "non_saturating";  // gan only: non_saturating | minimax
  double label_smoothing = 0;  // gan only: one-sided, D's real target 1 -> 1 - s
  double gp_weight = 0;        // WGAN-GP gradient penalty lambda (0: off)
  double r1_gamma = 0;         // R1 penalty gamma on real data (0: off)
  int64_t r1_every = 1;        // lazy R1: apply every N D steps with weight x N
  double weight_clip = 0;      // WGAN: clip D's weights to [-c, c] after each D step (0: off)
  double ac_weight = 1;        // ACGAN: weight of the class cross-entropy in D's and G's losses
  double l1_weight = 0;        // pix2pix: weight of L1(G(x), y) in G's loss (100 in Isola et al. 2017)
  double gan_weight = 1;       // pix2pix: weight of the adversarial term in G's loss (0: the L1-only baseline)
};

// Adam (Kingma & Ba 2015).
struct OptimConfig {
  double lr_g = 2e-4;
  double lr_d = 2e-4;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double beta1_d = -1;  // D's own Adam betas (TTUR; -1: same as beta1 / beta2)
  double beta2_d = -1;
  double eps = 1e-8;
};

struct TrainConfig {
  int64_t steps = 0;   // generator steps (iterations); 0: use epochs
  double epochs = 0;   // passes over the training set by D's real batches; 0: use steps
  int64_t d_steps = 1;  // k: discriminator updates per generator update
  int64_t seed = 0;
  int64_t log_every = 50;
  int64_t sample_every = 500;
  int64_t checkpoint_every = 2000;
  int64_t keep_checkpoints = 3;
  std::string diffaugment;  // DiffAugment policy, e.g. "color,translation,cutout" (empty: off)
  double ema_half_life_kimg = 0;  // EMA of G's weights for sampling: half-life in thousands of images; 0: off
  int64_t eval_every = 0;             // steps between periodic evaluations (image data; 0: off)
  std::string eval_metrics = "fid,classes";  // metrics logged at each evaluation (as `ganforge eval --metrics`)
  int64_t eval_n = 2000;              // generated images per periodic evaluation
  std::string eval_best = "fid";      // keep checkpoints/best.pt by this metric ("": none)
  int64_t sample_grid = 64;  // fixed-z samples in each grid PNG
  int64_t nonfinite_patience = 10;  // consecutive non-finite steps before rolling back to a checkpoint
  double rollback_lr_factor = 0.5;  // learning rates are multiplied by this at each rollback
  int64_t health_window = 2000;     // steps of D accuracy >= 0.99 before warning (0: off)
  int64_t threads = 0;       // intra-op threads; 0: one per core
  bool deterministic = false;  // one thread and deterministic algorithms: bitwise-repeatable runs
  std::string device = "cpu";  // cpu | cuda
  std::string precision = "fp32";  // fp32 | bf16 (bf16 products, fp32 weights and optimizer; ops/precision.h)
};

}  // namespace ganforge
