"""Data handling (Day 1 section 4, Day 2 section 3): reference, cases, accepted conventions, test implementations, mistakes.

``minibatches`` and ``random_crop`` draw from NumPy's global generator: they are checked by the
property drivers of ``autograder.runtime.properties`` (every case names the ``seed`` the driver uses),
never by equality with the reference's draws.
"""
import math

import numpy as np

from reference import data as ref

from ..registry import exercise, fixed, mistake

# A student's np.random.default_rng() draws from fresh OS entropy; the mistakes that stand for it use
# this seed instead, so that a release writes the same fixture bytes every time (any seed but the
# catalog's would do: what matters is that the draws ignore NumPy's global generator).
UNSEEDED_STAND_IN = 20261203


def random_seed(rng):
    return int(rng.integers(0, 2**31 - 1))


# minibatches ------------------------------------------------------------------------------------

def rows(n, d):
    """(n, d) inputs whose rows are all different, so the driver can tell which sample each row is."""
    return np.arange(n * d, dtype=np.float64).reshape(n, d)


def random_minibatch_case(rng):
    n = int(rng.integers(5, 31))
    return {"x": rng.normal(size=(n, int(rng.integers(1, 5)))),
            "t": rng.permutation(n),  # distinct labels: a wrongly paired row shows
            "batch_size": int(rng.integers(1, n + 4)), "seed": random_seed(rng)}


def unshuffled(x, t, batch_size):
    for start in range(0, len(x), batch_size):
        yield x[start:start + batch_size], t[start:start + batch_size]


def two_permutations(x, t, batch_size):
    order_x, order_t = np.random.permutation(len(x)), np.random.permutation(len(t))
    for start in range(0, len(x), batch_size):
        yield x[order_x[start:start + batch_size]], t[order_t[start:start + batch_size]]


def two_shuffles(x, t, batch_size):
    x, t = x.copy(), t.copy()
    np.random.shuffle(x)
    np.random.shuffle(t)
    for start in range(0, len(x), batch_size):
        yield x[start:start + batch_size], t[start:start + batch_size]


def full_batches_only(x, t, batch_size):
    order = np.random.permutation(len(x))
    for k in range(len(x) // batch_size):
        picked = order[k * batch_size:(k + 1) * batch_size]
        yield x[picked], t[picked]


def choice_per_batch(x, t, batch_size):
    for _ in range(0, len(x), batch_size):
        picked = np.random.choice(len(x), batch_size)
        yield x[picked], t[picked]


def randint_per_batch(x, t, batch_size):
    for start in range(0, len(x), batch_size):
        picked = np.random.randint(0, len(x), size=min(batch_size, len(x) - start))
        yield x[picked], t[picked]


def permutation_per_batch(x, t, batch_size):
    for start in range(0, len(x), batch_size):
        picked = np.random.permutation(len(x))[start:start + batch_size]
        yield x[picked], t[picked]


def seeded_inside(x, t, batch_size):
    np.random.seed(0)
    order = np.random.permutation(len(x))
    for start in range(0, len(x), batch_size):
        yield x[order[start:start + batch_size]], t[order[start:start + batch_size]]


def own_generator(x, t, batch_size):
    order = np.random.default_rng(UNSEEDED_STAND_IN).permutation(len(x))  # default_rng(), fixtures kept stable
    for start in range(0, len(x), batch_size):
        yield x[order[start:start + batch_size]], t[order[start:start + batch_size]]


def shuffled_in_place(x, t, batch_size):
    order = np.random.permutation(len(x))
    x[:] = x[order]
    t[:] = t[order]
    for start in range(0, len(x), batch_size):
        yield x[start:start + batch_size], t[start:start + batch_size]


def shuffle_indices(x, t, batch_size):
    index = np.arange(len(x))
    np.random.shuffle(index)
    for start in range(0, len(x), batch_size):
        yield x[index[start:start + batch_size]], t[index[start:start + batch_size]]


def split_permutation(x, t, batch_size):
    order = np.random.permutation(len(x))
    return [(x[part], t[part]) for part in np.array_split(order, range(batch_size, len(x), batch_size))]


exercise(
    "data.minibatches", ref.minibatches,
    [fixed(("N = 10, batch 3: a short last batch",
            "N = 10、バッチ 3: 最後のバッチが短い"), x=rows(10, 3), t=np.arange(10), batch_size=3, seed=0),
     fixed(("N = 8, batch 4", "N = 8、バッチ 4"), x=rows(8, 2), t=np.arange(8) * 10, batch_size=4, seed=1),
     fixed(("batch larger than N", "N より大きいバッチ"), x=rows(7, 2), t=np.arange(7), batch_size=10, seed=2),
     fixed(("batch 1 (online learning), one-hot targets",
            "バッチ 1 (オンライン学習)、one-hot の正解"), x=rows(6, 4), t=np.eye(6)[[3, 0, 5, 1, 4, 2]],
           batch_size=1, seed=3)],
    generate=random_minibatch_case, driver="minibatch_properties",
    test_implementations=(shuffle_indices, split_permutation),
    mistakes=(
        mistake("unshuffled", unshuffled,
                en="The batches come in the original order. Draw one permutation per epoch, "
                   "idx = np.random.permutation(N), and slice it: x[idx[i:i + batch_size]].",
                ja="バッチが元の順番のままです。エポックごとに idx = np.random.permutation(N) で順番を作り、"
                   "x[idx[i:i + batch_size]] のように切り出してください。"),
        mistake("misaligned", two_permutations, two_shuffles,
                en="x and t were shuffled with different permutations, so inputs lose their targets. "
                   "Draw one permutation and index both with it: x[idx[...]], t[idx[...]].",
                ja="x と t を別々の順番でシャッフルしたため、入力と正解ラベルの対応が崩れています。"
                   "順番は 1 つだけ作り、x[idx[...]] と t[idx[...]] の両方に使ってください。"),
        mistake("drops-last", full_batches_only,
                en="The last, shorter batch is missing when batch_size does not divide N: "
                   "loop with range(0, N, batch_size) so every sample is used once per epoch.",
                ja="N が batch_size で割り切れないとき、最後の短いバッチが抜けています。"
                   "range(0, N, batch_size) でループし、1 エポックで全サンプルを使ってください。"),
        mistake("independent-batches", choice_per_batch, randint_per_batch, permutation_per_batch,
                en="Each batch is drawn on its own (np.random.choice, randint, or a new permutation per batch), "
                   "so within an epoch some samples repeat and others are never seen. Draw one permutation per "
                   "epoch, before the loop, and cut it into batches.",
                ja="バッチごとに別々に抽出している (np.random.choice や randint、バッチごとの新しい permutation) ため、"
                   "1 エポックの中で重複するサンプルと一度も使われないサンプルが出ます。順番はループの前に"
                   "エポックごとに 1 回だけ作り、それを区切ってバッチにしてください。"),
        mistake("reseeded", seeded_inside,
                en="np.random.seed inside the function gives the same order in every epoch. Seed once "
                   "outside (if at all) and let each epoch draw a new permutation.",
                ja="関数の中で np.random.seed を呼ぶと、毎エポック同じ順番になります。シードを固定するなら"
                   "関数の外で 1 回だけにし、エポックごとに新しい順番を作ってください。"),
        mistake("own-generator", own_generator,
                en="np.random.default_rng() makes a generator of its own, so np.random.seed no longer makes a run "
                   "repeatable. Draw the permutation from NumPy's global generator: np.random.permutation(N).",
                ja="np.random.default_rng() は独自の乱数生成器を作るため、np.random.seed で結果を再現できなくなります。"
                   "順番はグローバルな乱数生成器から np.random.permutation(N) で作ってください。"),
        mistake("shuffles-in-place", shuffled_in_place,
                en="The batches are right, but x and t themselves were reordered in place: the caller's data "
                   "changes. Index with a permutation (x[idx[...]]), which makes new arrays.",
                ja="バッチは正しいですが、x と t そのものをその場で並べ替えているため、呼び出し側のデータが"
                   "変わってしまいます。x[idx[...]] のようにインデックスで取り出してください (新しい配列になります)。"),
    ),
)


# iterations_per_epoch ---------------------------------------------------------------------------

def random_iterations_case(rng):
    n = int(rng.integers(1, 5001))
    return {"n": n, "batch_size": int(rng.integers(1, n + 1))}


exercise(
    "data.iterations_per_epoch", ref.iterations_per_epoch,
    [fixed(("1000 samples, batch 50", "1000 サンプル、バッチ 50"), n=1000, batch_size=50),
     fixed(("online learning: batch 1", "オンライン学習: バッチ 1"), n=1000, batch_size=1),
     fixed(("batch learning: batch = N", "バッチ学習: バッチ = N"), n=1000, batch_size=1000),
     fixed(("a short last batch: 10 samples, batch 3",
            "最後のバッチが短い: 10 サンプル、バッチ 3"), n=10, batch_size=3),
     fixed(("batch larger than N", "N より大きいバッチ"), n=7, batch_size=10),
     # 1050/50 = 21 exactly, 11/4 = 2.75, 10/4 = 2.5: rounding (half to even) and ceil part ways
     fixed(("1050 samples, batch 50: exactly 21", "1050 サンプル、バッチ 50: ちょうど 21"), n=1050, batch_size=50),
     fixed(("11 samples, batch 4", "11 サンプル、バッチ 4"), n=11, batch_size=4),
     fixed(("10 samples, batch 4", "10 サンプル、バッチ 4"), n=10, batch_size=4)],
    generate=random_iterations_case,
    test_implementations=(lambda n, batch_size: math.ceil(n / batch_size),
                  lambda n, batch_size: (n + batch_size - 1) // batch_size,
                  lambda n, batch_size: len(range(0, n, batch_size))),
    wrong_implementations=(lambda n, batch_size: int(round(n / batch_size + 0.5)),
                           lambda n, batch_size: int(round(n / batch_size))),
    mistakes=(
        mistake("floor-division", lambda n, batch_size: n // batch_size,
                en="n // batch_size drops the last, shorter batch: 10 samples in batches of 3 take 4 updates. "
                   "Round up: math.ceil(n / batch_size) or (n + batch_size - 1) // batch_size.",
                ja="n // batch_size では最後の短いバッチが数えられません (10 サンプル・バッチ 3 なら 4 回)。"
                   "切り上げてください: math.ceil(n / batch_size) または (n + batch_size - 1) // batch_size。"),
        mistake("float-result", lambda n, batch_size: np.ceil(n / batch_size),
                en="The count is right but a float (such as 20.0): an iteration count is an int. "
                   "Use math.ceil (which returns an int) or integer division.",
                ja="回数は合っていますが浮動小数点数 (20.0 など) です。回数は int で返してください "
                   "(math.ceil は int を返します。整数除算でも可)。"),
        mistake("plus-one", lambda n, batch_size: n // batch_size + 1,
                en="n // batch_size + 1 counts an empty extra batch when batch_size divides n "
                   "(1000 and 50 give 20, not 21). Round up instead: math.ceil(n / batch_size).",
                ja="n // batch_size + 1 では割り切れるときに空のバッチを 1 つ余分に数えます "
                   "(1000 と 50 なら 21 ではなく 20)。math.ceil(n / batch_size) で切り上げてください。"),
    ),
)


# random_crop ------------------------------------------------------------------------------------

def image(height, width, channels):
    """An (H, W, C) image whose pixels all differ, so the driver can tell where a crop came from."""
    return np.arange(height * width * channels, dtype=np.float64).reshape(height, width, channels)


def random_crop_case(rng):
    height, width = int(rng.integers(2, 8)), int(rng.integers(2, 8))
    # at most 6 offsets per axis (the driver's draws are sized for that)
    crop_h = int(rng.integers(max(1, height - 5), height + 1))
    crop_w = int(rng.integers(max(1, width - 5), width + 1))
    channels = int(rng.integers(1, 4))
    pixels = rng.permutation(height * width * channels).astype(np.float64).reshape(height, width, channels)
    return {"image": pixels, "crop_size": (crop_h, crop_w), "seed": random_seed(rng)}


def crop_with(slicer, top_high=lambda gap: gap + 1):
    """A crop drawing top and left like the reference (or with another upper bound), sliced by ``slicer``."""
    def crop(image, crop_size):
        height, width = image.shape[:2]
        crop_h, crop_w = crop_size
        top = np.random.randint(0, top_high(height - crop_h))
        left = np.random.randint(0, top_high(width - crop_w))
        return slicer(image, top, top + crop_h, left, left + crop_w)
    return crop


def size_unpacked_as_width_height(image, crop_size):
    height, width = image.shape[:2]
    crop_w, crop_h = crop_size
    top = np.random.randint(0, height - crop_h + 1)
    left = np.random.randint(0, width - crop_w + 1)
    return image[top:top + crop_h, left:left + crop_w, :]


def floor_of_uniform(image, crop_size):
    height, width = image.shape[:2]
    crop_h, crop_w = crop_size
    top = int(np.random.rand() * (height - crop_h))
    left = int(np.random.rand() * (width - crop_w))
    return image[top:top + crop_h, left:left + crop_w, :]


def center_crop(image, crop_size):
    height, width = image.shape[:2]
    crop_h, crop_w = crop_size
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return image[top:top + crop_h, left:left + crop_w, :]


def corner_crop(image, crop_size):
    return image[:crop_size[0], :crop_size[1], :]


def crop_reseeded(image, crop_size):
    np.random.seed(0)
    return crop_with(lambda im, top, bottom, left, right: im[top:bottom, left:right, :])(image, crop_size)


def crop_own_generator(image, crop_size):
    rng = np.random.default_rng(UNSEEDED_STAND_IN)  # default_rng(), seeded so the fixtures stay the same
    height, width = image.shape[:2]
    top = rng.integers(0, height - crop_size[0] + 1)
    left = rng.integers(0, width - crop_size[1] + 1)
    return image[top:top + crop_size[0], left:left + crop_size[1], :]


def crop_cached_per_call_pair():
    """Returns its previous crop again every other call: the same array twice in a row."""
    previous = {}

    def crop(image, crop_size):
        key = (id(image), tuple(crop_size))
        if key in previous:
            return previous.pop(key)
        previous[key] = ref.random_crop(image, crop_size)
        return previous[key]
    return crop


def crop_by_uniform_integers(image, crop_size):
    height, width = image.shape[:2]
    top = int(np.floor(np.random.uniform(0, height - crop_size[0] + 1)))
    left = int(np.floor(np.random.uniform(0, width - crop_size[1] + 1)))
    return image[top:, left:][:crop_size[0], :crop_size[1]]


def crop_by_choice(image, crop_size):
    crop_h, crop_w = crop_size
    top = np.random.choice(image.shape[0] - crop_h + 1)
    left = np.random.choice(image.shape[1] - crop_w + 1)
    return image[top:top + crop_h][:, left:left + crop_w].copy()


exercise(
    "data.random_crop", ref.random_crop,
    [fixed(("(5, 7, 3) image, 3 × 4 crop",
            "(5, 7, 3) の画像、3 × 4 の切り出し"), image=image(5, 7, 3), crop_size=(3, 4), seed=0),
     fixed(("crop as tall as the image", "画像と同じ高さの切り出し"), image=image(4, 6, 2), crop_size=(4, 2), seed=1),
     fixed(("crop as wide as the image", "画像と同じ幅の切り出し"), image=image(6, 5, 1), crop_size=(2, 5), seed=2),
     fixed(("crop == image size", "画像と同じ大きさの切り出し"), image=image(3, 4, 2), crop_size=(3, 4), seed=3)],
    generate=random_crop_case, driver="crop_properties", hidden_random=4,
    test_implementations=(crop_by_uniform_integers, crop_by_choice),
    wrong_implementations=(crop_cached_per_call_pair(),),
    mistakes=(
        mistake("swapped-bounds",
                crop_with(lambda im, top, bottom, left, right: im[bottom:top, left:right, :]),
                crop_with(lambda im, top, bottom, left, right: im[bottom:top, right:left, :]),
                crop_with(lambda im, top, bottom, left, right: im[left:right, top:bottom, :]),
                size_unpacked_as_width_height,
                en="The slice is wrong: an image is (height, width, channel), and a slice runs from the "
                   "smaller index to the larger. Take image[top:bottom, left:right, :] with crop_size = "
                   "(crop_h, crop_w).",
                ja="スライスが正しくありません。画像の形状は (縦, 横, チャンネル) で、スライスは小さい添字から大きい"
                   "添字へ取ります。crop_size = (crop_h, crop_w) として image[top:bottom, left:right, :] "
                   "としてください。"),
        mistake("off-by-one",
                crop_with(lambda im, top, bottom, left, right: im[top:bottom, left:right, :], lambda gap: gap),
                floor_of_uniform,
                en="np.random.randint(low, high) never returns high, so the last offset H − h is never drawn, "
                   "and randint(0, 0) fails when the crop is as large as the image. Use "
                   "np.random.randint(0, H - h + 1).",
                ja="np.random.randint(low, high) は high を返さないため、最後の位置 H − h が選ばれず、"
                   "切り出しサイズが画像と同じときは randint(0, 0) がエラーになります。"
                   "np.random.randint(0, H - h + 1) としてください。"),
        mistake("reseeded", crop_reseeded,
                en="np.random.seed inside the function picks the same position on every call. Draw from the "
                   "global generator without seeding it (seed once, outside, if a run must be repeatable).",
                ja="関数の中で np.random.seed を呼ぶと、毎回同じ位置から切り出します。シードを設定せずに"
                   "グローバルな乱数生成器から引いてください (再現性が必要なら関数の外で 1 回だけ設定します)。"),
        mistake("own-generator", crop_own_generator,
                en="np.random.default_rng() makes a generator of its own, so np.random.seed no longer makes a run "
                   "repeatable. Draw the offsets from NumPy's global generator: np.random.randint(0, H - h + 1).",
                ja="np.random.default_rng() は独自の乱数生成器を作るため、np.random.seed で結果を再現できなくなります。"
                   "位置はグローバルな乱数生成器から np.random.randint(0, H - h + 1) で選んでください。"),
        mistake("not-random", center_crop, corner_crop,
                en="The crop is always taken at the same place. Draw top and left at random for every call: "
                   "top = np.random.randint(0, H - h + 1), left = np.random.randint(0, W - w + 1).",
                ja="いつも同じ位置から切り出しています。呼び出しごとに top = np.random.randint(0, H - h + 1)、"
                   "left = np.random.randint(0, W - w + 1) をランダムに選んでください。"),
    ),
)


# horizontal_flip --------------------------------------------------------------------------------

def random_image_case(rng):
    shape = tuple(int(s) for s in rng.integers(1, 6, size=3))
    return {"image": rng.normal(size=shape)}


exercise(
    "data.horizontal_flip", ref.horizontal_flip,
    [fixed(("(2, 3, 2) image", "(2, 3, 2) の画像"), image=image(2, 3, 2)),
     fixed(("(4, 2, 3) image", "(4, 2, 3) の画像"), image=image(4, 2, 3)),
     fixed(("one row, one channel", "1 行、1 チャンネル"), image=[[[1.0], [-2.0], [3.5], [0.0]]])],
    generate=random_image_case,
    test_implementations=(np.fliplr, lambda image: np.flip(image, axis=1),
                  lambda image: np.stack([image[:, j] for j in reversed(range(image.shape[1]))], axis=1)),
    mistakes=(
        mistake("flips-up-down", np.flipud, lambda image: image[::-1],
                en="This flips the image upside down (axis 0, the rows). Left–right is axis 1, the columns: "
                   "image[:, ::-1, :].",
                ja="上下を反転しています (軸 0、行)。左右の反転は軸 1 (列) です: image[:, ::-1, :]。"),
        mistake("flips-channels", lambda image: image[:, :, ::-1],
                en="This reverses the channels (axis 2, e.g. RGB → BGR), not the columns: use image[:, ::-1, :].",
                ja="チャンネル (軸 2、RGB → BGR など) を反転しています。列を反転してください: image[:, ::-1, :]。"),
        mistake("flips-every-axis", np.flip, lambda image: image[::-1, ::-1, ::-1],
                en="np.flip without an axis (or [::-1] on every axis) reverses all axes. Flip only axis 1: "
                   "np.flip(image, axis=1).",
                ja="axis を指定しない np.flip (または全軸の [::-1]) はすべての軸を反転します。"
                   "軸 1 だけを反転してください: np.flip(image, axis=1)。"),
    ),
)


# target_encoding --------------------------------------------------------------------------------

def random_encoding_case(rng):
    n = int(rng.integers(3, 21))
    categories = rng.integers(0, int(rng.integers(1, 6)), size=n)
    y = rng.integers(0, 2, size=n).astype(np.float64) if rng.random() < 0.5 else rng.normal(size=n)
    return {"categories": categories, "y": y, "k": float(rng.uniform(0, 5)), "f": float(rng.uniform(0.5, 3))}


def category_stats(categories, y):
    labels, index = np.unique(np.asarray(categories), return_inverse=True)
    counts = np.bincount(index, minlength=len(labels)).astype(float)
    means = np.bincount(index, weights=np.asarray(y, float), minlength=len(labels)) / counts
    return index, counts, means


def weights_swapped(categories, y, k=1.0, f=1.0):
    index, counts, means = category_stats(categories, y)
    lam = 1.0 / (1.0 + np.exp(-(counts - k) / f))
    return ((1.0 - lam) * means + lam * np.mean(y))[index]


def exponent_sign_flipped(categories, y, k=1.0, f=1.0):
    index, counts, means = category_stats(categories, y)
    lam = 1.0 / (1.0 + np.exp((counts - k) / f))
    return (lam * means + (1.0 - lam) * np.mean(y))[index]


def category_mean_only(categories, y, k=1.0, f=1.0):
    index, _, means = category_stats(categories, y)
    return means[index]


def one_value_per_category(categories, y, k=1.0, f=1.0):
    _, counts, means = category_stats(categories, y)
    lam = 1.0 / (1.0 + np.exp(-(counts - k) / f))
    return lam * means + (1.0 - lam) * np.mean(y)


def prior_from_category_means(categories, y, k=1.0, f=1.0):
    index, counts, means = category_stats(categories, y)
    lam = 1.0 / (1.0 + np.exp(-(counts - k) / f))
    return (lam * means + (1.0 - lam) * np.mean(means))[index]


def first_appearance_labels(categories, y, k=1.0, f=1.0):
    """Statistics per sorted label (np.unique) but samples looked up by order of first appearance."""
    _, counts, means = category_stats(categories, y)
    first = {c: i for i, c in enumerate(dict.fromkeys(np.asarray(categories).tolist()))}
    index = np.array([first[c] for c in np.asarray(categories).tolist()])
    lam = 1.0 / (1.0 + np.exp(-(counts - k) / f))
    return (lam * means + (1.0 - lam) * np.mean(y))[index]


def sorted_samples(categories, y, k=1.0, f=1.0):
    """The right values, but in the order of the sorted categories instead of the samples' order."""
    index, counts, means = category_stats(categories, y)
    lam = 1.0 / (1.0 + np.exp(-(counts - k) / f))
    return (lam * means + (1.0 - lam) * np.mean(y))[np.sort(index)]


def encoding_by_loop(categories, y, k=1.0, f=1.0):
    y = np.asarray(y, dtype=float)
    prior = y.mean()
    encoded = {}
    for category in set(categories.tolist()):
        in_category = y[categories == category]
        lam = 1.0 / (1.0 + np.exp(-(len(in_category) - k) / f))
        encoded[category] = lam * in_category.mean() + (1.0 - lam) * prior
    return np.array([encoded[category] for category in categories.tolist()])


# The material's example: one entry from Wakayama (0), placed; ten from Tokyo (1), nine placed.
PREFECTURES = np.array([0] + [1] * 10)
PLACED = [1.0] + [1.0] * 9 + [0.0]

exercise(
    "data.target_encoding", ref.target_encoding,
    [fixed(("the material's example: Wakayama (0) 1/1, Tokyo (1) 9/10",
            "教材の例: 和歌山 (0) 1/1、東京 (1) 9/10"), categories=PREFECTURES, y=PLACED),
     fixed(("k = 2, f = 0.5, unbalanced categories",
            "k = 2, f = 0.5、件数に偏りのあるカテゴリ"), categories=np.array([0, 0, 0, 1, 1, 2, 0, 2, 3]),
           y=[1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0], k=2.0, f=0.5),
     fixed(("a real-valued target, k = 3, f = 2",
            "実数値の目的変数、k = 3, f = 2"), categories=np.array([5, 7, 5, 5, 9, 7, 5, 9, 9, 9]),
           y=[2.5, -1.0, 0.5, 3.0, 10.0, 4.0, -2.0, 8.0, 7.5, 9.0], k=3.0, f=2.0),
     fixed(("one category: the global mean",
            "カテゴリが 1 つ: 全体平均"), categories=np.array([1, 1, 1, 1]), y=[0.0, 1.0, 1.0, 1.0]),
     # First appearance 3, 1, 0, 2 is neither sorted nor reversed: one value per sample, in the samples' order.
     fixed(("categories in no order: 3, 1, 3, 0, 1, 3, 2, 0",
            "順不同のカテゴリ: 3, 1, 3, 0, 1, 3, 2, 0"), categories=np.array([3, 1, 3, 0, 1, 3, 2, 0]),
           y=[1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0], k=1.5, f=0.8),
     fixed(("category names: 'tokyo', 'osaka', 'aomori'", "カテゴリ名: 'tokyo', 'osaka', 'aomori'"),
           categories=np.array(["tokyo", "osaka", "tokyo", "aomori", "osaka", "tokyo"]),
           y=[1.0, 0.0, 1.0, 0.0, 1.0, 1.0])],
    generate=random_encoding_case,
    test_implementations=(encoding_by_loop,),
    wrong_implementations=(first_appearance_labels, sorted_samples),
    mistakes=(
        mistake("weights-swapped", weights_swapped, exponent_sign_flipped,
                en="λ and 1 − λ are swapped (or the exponent's sign is): a category seen often should keep "
                   "its own mean. λ = 1 / (1 + e^(−(n_i − k)/f)) weighs the category mean, 1 − λ the global mean.",
                ja="λ と 1 − λ が逆です (または指数の符号が逆です)。データの多いカテゴリほど自分の平均を使うはずです。"
                   "λ = 1 / (1 + e^(−(n_i − k)/f)) をカテゴリ平均に、1 − λ を全体平均に掛けてください。"),
        mistake("no-smoothing", category_mean_only,
                en="This is each category's plain mean: a category with one sample gets 100 %. Blend it with the "
                   "global mean: λ·mean(y in i) + (1 − λ)·mean(y).",
                ja="各カテゴリの単純な平均になっています (1 件だけのカテゴリは 100 %)。全体平均と混ぜてください: "
                   "λ·(カテゴリ内の平均) + (1 − λ)·(全体の平均)。"),
        mistake("one-per-category", one_value_per_category,
                en="This returns one value per category; return one per sample (the value of its category), "
                   "e.g. encoded[index] with index from np.unique(..., return_inverse=True).",
                ja="カテゴリごとに 1 つの値を返しています。サンプルごとに (そのカテゴリの値を) 返してください。"
                   "np.unique(..., return_inverse=True) の index を使い encoded[index] とできます。"),
        mistake("prior-not-global-mean", prior_from_category_means,
                en="The global mean is the mean of y over all samples, not the mean of the category means "
                   "(they differ when categories have different sizes).",
                ja="全体平均は全サンプルの y の平均で、カテゴリ平均の平均ではありません "
                   "(カテゴリのサンプル数が違うと値が変わります)。"),
    ),
)
