"""The claims under test, as given by the source text (English and the original sentence)."""

CLAIMS = {
    "C1": (
        "ReLU's one-sided inhibition (negatives set to 0, positives kept) makes neuron activations sparse; sigmoid and tanh do not.",
        "正因为有了这单侧抑制，才使得神经网络中的神经元也具有了稀疏激活性。",
    ),
    "C2": (
        "In a deep model, adding N layers lowers the activation rate of ReLU neurons, in theory, by a factor of 2^N.",
        "当模型增加N层之后，理论上ReLU神经元的激活率将降低2的N次方倍。",
    ),
    "C3": (
        "A mirrored or 180°-rotated ReLU works just as well: as long as it inhibits one side, the output only changes by a constant coefficient and training results are unaffected.",
        "无论是镜面翻转还是180度翻转，最终神经元的输出也只是相当于加上了一个常数项系数，并不影响模型的训练结果。",
    ),
    "C4": (
        "Because only a few features are relevant to the target (like a few of a hundred medical test values), a sparse ReLU model mines the relevant features better and fits the training data better.",
        "通过ReLU实现稀疏后的模型能够更好地挖掘相关特征，拟合训练数据。",
    ),
    "C5": (
        "Compared with linear functions (such as MATLAB's purlin), ReLU is more expressive, especially in deep networks.",
        "对于线性函数而言，ReLU的表达能力更强，尤其体现在深度网络中。",
    ),
    "C6": (
        "ReLU's gradient is constant on the non-negative side, so it has no vanishing-gradient problem; when the gradient is below 1 the error shrinks at every layer it passes back, and with sigmoid in a deep model convergence stalls.",
        "ReLU由于非负区间的梯度为常数，因此不存在梯度消失问题……如果在深层模型中使用sigmoid作为激活函数，这种现象尤为明显，将导致模型收敛停滞不前。",
    ),
    "C7": (
        "With ReLU the convergence speed stays steady (and training converges faster than with sigmoid or tanh).",
        "使得模型的收敛速度维持在一个稳定状态。",
    ),
    "C8": (
        "Sigmoid (and tanh) cost more to compute: exponentials forward, division and exponentials in the backward pass; ReLU saves much of that and its derivative is faster.",
        "使用sigmoid函数，算激活函数时（指数运算），计算量大，反向传播误差梯度时，求导涉及除法和指数运算……Relu的导数计算的更快。",
    ),
    "C9": (
        "The sigmoid derivative is only useful near 0; in the saturated regions it tends to 0 and the gradient diffuses.",
        "Sigmoid的导数只有在0的附近时有较好的激活性，而在正负饱和区域的梯度趋向于0，从而产生梯度弥散的现象。",
    ),
    "C10": (
        'ReLU\'s derivative is 0 on the negative side, so such a neuron stops training ("dead cell"); Leaky ReLU was invented to fix this.',
        "Relu函数在负半区导数为0，也就是说这个神经元不会经历训练……为了解决ReLU的dead cell的情况，发明了Leaky Relu。",
    ),
    "C11": (
        "Sigmoid, tanh and ReLU each have shortcomings: is there a better activation function?",
        "Sigmiod、Relu、Tanh三个激活函数的缺点和不足，有没有更好的激活函数？",
    ),
    "C12": (
        "Neuroscience motivation: only about 1–4% of brain neurons are active at once (Lennie 2003; Attwell & Laughlin 2001; Dayan & Abbott 2001). How does a trained ReLU network compare?",
        "2003年Lennie等神经科学家估测大脑同时被激活的神经元只有1~4%。",
    ),
}
