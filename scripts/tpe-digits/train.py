# train.py: an SGD linear classifier on scikit-learn's bundled digits; prints its validation error.
import argparse
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def val_error(alpha, l1_ratio, loss, seed=0):
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(x_train)
    model = SGDClassifier(alpha=alpha, l1_ratio=l1_ratio, loss=loss, penalty="elasticnet", max_iter=30, tol=None,
                          random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(scaler.transform(x_train), y_train)
    return 1 - model.score(scaler.transform(x_val), y_val)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--alpha", type=float)
    p.add_argument("--l1-ratio", type=float)
    p.add_argument("--loss")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    print("epoch: 1")
    print(f"val_error: {val_error(a.alpha, a.l1_ratio, a.loss, a.seed)}")
