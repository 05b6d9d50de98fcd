"""Published numbers the study compares against, as `../shared/literature.md` gives them.

Only numbers that enter a computation or a figure live here; the report quotes the rest
in each claim's literature line.
"""

GLOROT2011_ZEROS_MNIST = 0.834  # Glorot, Bordes, Bengio 2011: exact zeros, MNIST (as reported in summaries)
BRAIN_ACTIVE = (0.01, 0.04)  # Lennie 2003: fraction of neurons active at once
KRIZHEVSKY2012_SPEEDUP = 6.0  # AlexNet Fig. 1: ReLU reached 25% CIFAR-10 training error 6x sooner than tanh
# Greydanus & Kobak 2024, Table 1 (the same in the 2020 preprint): MNIST-1D test accuracy in %, mean +- sd over
# three runs, of the authors' MLP (two hidden layers of 100 in their code), Adam, early stopping, 4000 examples
MNIST1D_MLP_BASELINE = (68, 2)
# Xiao, Rasul & Vollgraf 2017, Table 3 (arXiv:1708.07747v2): Fashion-MNIST test accuracy of scikit-learn
# classifiers trained on all 60,000 training images, the mean of 5 runs with the training data shuffled; the
# MLPClassifier's other options are scikit-learn's defaults (Adam, rate 0.001, minibatches of 200, up to 200
# epochs), the pixels standardised (the benchmark's code, benchmark/runner.py)
FASHION_BENCHMARK = {
    "relu": ("MLPClassifier(activation='relu', hidden_layer_sizes=[100])", 0.871),
    "tanh": ("MLPClassifier(activation='tanh', hidden_layer_sizes=[100])", 0.868),
    "svc": ("SVC(C=10, kernel='rbf')", 0.897),  # the best of the table's classifiers
}

# Full citations; the report lists those its text cites ("Surname ... (Year)" or "Surname Year").
REFERENCES = {
    ("Agarwal", 2021): "Agarwal, R., Schwarzer, M., Castro, P. S., Courville, A., & Bellemare, M. G. (2021). Deep "
    "reinforcement learning at the edge of the statistical precipice. Advances in Neural "
    "Information Processing Systems 34 (NeurIPS 2021).",
    ("Clevert", 2016): "Clevert, D.-A., Unterthiner, T., & Hochreiter, S. (2016). Fast and accurate deep network "
    "learning by exponential linear units (ELUs). International Conference on Learning "
    "Representations (ICLR 2016).",
    ("Derczynski", 2020): "Derczynski, L. (2020). Power consumption variation over activation functions. "
    "arXiv:2006.07237.",
    ("Glorot", 2010): "Glorot, X., & Bengio, Y. (2010). Understanding the difficulty of training deep feedforward "
    "neural networks. Proceedings of the 13th International Conference on Artificial Intelligence "
    "and Statistics (AISTATS), PMLR 9, 249-256.",
    ("Glorot", 2011): "Glorot, X., Bordes, A., & Bengio, Y. (2011). Deep sparse rectifier neural networks. "
    "Proceedings of the 14th International Conference on Artificial Intelligence and Statistics "
    "(AISTATS), PMLR 15, 315-323.",
    ("Greydanus", 2024): "Greydanus, S., & Kobak, D. (2024). Scaling down deep learning with MNIST-1D. Proceedings "
    "of the 41st International Conference on Machine Learning (ICML 2024), PMLR 235.",
    ("Hanin", 2019): "Hanin, B., & Rolnick, D. (2019). Complexity of linear regions in deep networks. Proceedings "
    "of the 36th International Conference on Machine Learning (ICML 2019), PMLR 97, 2596-2604.",
    ("He", 2015): "He, K., Zhang, X., Ren, S., & Sun, J. (2015). Delving deep into rectifiers: surpassing "
    "human-level performance on ImageNet classification. Proceedings of the IEEE International "
    "Conference on Computer Vision (ICCV 2015), 1026-1034.",
    ("Hendrycks", 2016): "Hendrycks, D., & Gimpel, K. (2016). Gaussian error linear units (GELUs). arXiv:1606.08415.",
    ("Klambauer", 2017): "Klambauer, G., Unterthiner, T., Mayr, A., & Hochreiter, S. (2017). Self-normalizing neural "
    "networks. Advances in Neural Information Processing Systems 30 (NeurIPS 2017).",
    ("Krizhevsky", 2012): "Krizhevsky, A., Sutskever, I., & Hinton, G. E. (2012). ImageNet classification with deep "
    "convolutional neural networks. Advances in Neural Information Processing Systems 25 "
    "(NeurIPS 2012).",
    ("Lennie", 2003): "Lennie, P. (2003). The cost of cortical computation. Current Biology, 13(6), 493-497.",
    ("Lu", 2020): "Lu, L., Shin, Y., Su, Y., & Karniadakis, G. E. (2020). Dying ReLU and initialization: theory and "
    "numerical examples. Communications in Computational Physics, 28(5), 1671-1706.",
    ("Maas", 2013): "Maas, A. L., Hannun, A. Y., & Ng, A. Y. (2013). Rectifier nonlinearities improve neural network "
    "acoustic models. ICML Workshop on Deep Learning for Audio, Speech and Language Processing.",
    ("Misra", 2019): "Misra, D. (2019). Mish: a self regularized non-monotonic activation function. arXiv:1908.08681.",
    ("Pennington", 2017): "Pennington, J., Schoenholz, S. S., & Ganguli, S. (2017). Resurrecting the sigmoid in deep "
    "learning through dynamical isometry: theory and practice. Advances in Neural Information "
    "Processing Systems 30 (NeurIPS 2017).",
    ("Raghu", 2017): "Raghu, M., Poole, B., Kleinberg, J., Ganguli, S., & Sohl-Dickstein, J. (2017). On the "
    "expressive power of deep neural networks. Proceedings of the 34th International Conference on "
    "Machine Learning (ICML 2017), PMLR 70, 2847-2854.",
    ("Ramachandran", 2017): "Ramachandran, P., Zoph, B., & Le, Q. V. (2017). Searching for activation functions. "
    "arXiv:1710.05941.",
    ("Schuirmann", 1987): "Schuirmann, D. J. (1987). A comparison of the two one-sided tests procedure and the power "
    "approach for assessing the equivalence of average bioavailability. Journal of "
    "Pharmacokinetics and Biopharmaceutics, 15(6), 657-680.",
    ("Xiao", 2017): "Xiao, H., Rasul, K., & Vollgraf, R. (2017). Fashion-MNIST: a novel image dataset for "
    "benchmarking machine learning algorithms. arXiv:1708.07747.",
    ("Xu", 2015): "Xu, B., Wang, N., Chen, T., & Li, M. (2015). Empirical evaluation of rectified activations in "
    "convolutional network. arXiv:1505.00853.",
}


def cited(text: str) -> list[str]:
    """The full citations of the works the text cites, by first author's surname followed within a few words
    by the year ("Glorot et al. (2011)", "Glorot & Bengio (2010)", "Lennie 2003"), sorted."""
    import re

    return [
        ref
        for (name, year), ref in sorted(REFERENCES.items())
        if re.search(rf"\b{name}\b(?:,? (?:et al\.|&|and|[A-Z][\w'-]+))*,? \(?{year}\b", text)
    ]
