"""Drivers for quiz answers: the candidate is the student's answer value, not a function.

Discrete answers (an option's number, a set of options, a whole number, a number to a given count
of decimals, the pairs of a matching question) are recorded as salted SHA-256 digests, so a released
fixture does not show the key at a glance. (The visible check itself tells right from wrong, so
trying every option finds the key anyway: the digest only keeps the key out of plain sight.)

Code fill-ins are strings, computed on each case's test data (``inputs["names"]``, saved in the
fixture with the case); their values are compared like any output, so any equivalent spelling
passes. A fill-in is never given to ``eval``: :func:`evaluate` parses it, checks every node against
a small grammar (the given names, numbers, indexing and slices, arithmetic, comparisons, a few
``np.<function>`` calls and array attributes) and computes the checked tree itself. Anything else
raises :class:`NotAllowedInAnswer` before any part of the answer runs.
"""
from __future__ import annotations

import ast
import hashlib
import math
import numbers
import operator

import numpy as np

from .drivers import register_driver


def digest(salt: str, text: str) -> str:
    return hashlib.sha256(f"{salt}:{text}".encode("utf-8")).hexdigest()[:20]


def _whole_number(value) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    raise TypeError(f"expected a whole number (such as 2), got {value!r}")


@register_driver("quiz_choice")
def choice(answer, inputs, outputs, *, salt):
    """An option's number, or several (a list or set) when the question asks for more than one."""
    if isinstance(answer, (list, tuple, set, frozenset)):
        text = ",".join(str(n) for n in sorted({_whole_number(item) for item in answer}))
    else:
        text = str(_whole_number(answer))
    outputs["answer"] = digest(salt, text)


@register_driver("quiz_number")
def number(answer, inputs, outputs, *, salt, decimals=None):
    """A number: whole (``decimals=None``), or compared after rounding to ``decimals`` places."""
    if isinstance(answer, (list, tuple)):
        parts = [number_text(item, decimals) for item in answer]
        outputs["answer"] = digest(salt, ",".join(parts))
    else:
        outputs["answer"] = digest(salt, number_text(answer, decimals))


def number_text(value, decimals):
    if decimals is None:
        return str(_whole_number(value))
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):
        raise TypeError(f"expected a number, got {value!r}")
    rounded = round(float(value), decimals)
    return f"{rounded + 0.0:.{decimals}f}"  # + 0.0 turns -0.0 into 0.0


@register_driver("quiz_matching")
def matching(answer, inputs, outputs, *, salt):
    """A dict from each item to its option's letter or number; each pair is checked on its own."""
    if not isinstance(answer, dict):
        raise TypeError(f"expected a dict such as {{'{inputs['items'][0]}': 'A', ...}}, got {type(answer).__name__}")
    for item in inputs["items"]:
        chosen = answer.get(item)
        outputs[item] = digest(salt, f"{item}={str(chosen).strip().upper()}") if chosen is not None else None


@register_driver("quiz_expression")
def expression(answer, inputs, outputs):
    """A code fill-in (a string) computed on the case's test data ``inputs["names"]``."""
    if not isinstance(answer, str):
        raise TypeError(f"expected the expression as a string (in quotes), got {type(answer).__name__}")
    value = evaluate(answer, inputs["names"])
    outputs["value"] = np.array(value, dtype=np.float64) if not isinstance(value, tuple) else \
        tuple(np.array(item, dtype=np.float64) for item in value)


# The grammar of a code fill-in -------------------------------------------------------------------

# What ``np.<name>`` may call: what the fill-ins and their equivalent spellings need, nothing that
# takes a function, reads or writes files, or builds an array from a shape (np.arange is bounded).
# (Not np.zeros_like or np.ones_like: their fifth positional argument is a shape of any size.)
NP_FUNCTIONS = ("sum", "mean", "abs", "sign", "sqrt", "square", "exp", "log", "maximum", "minimum",
                "clip", "where", "asarray", "array", "arange", "flip", "concatenate", "stack", "take",
                "transpose", "reshape")
NP_CONSTANTS = ("pi", "e", "newaxis")
ARRAY_ATTRIBUTES = ("T", "shape", "ndim", "size")
KEYWORDS = ("axis", "keepdims")  # keyword arguments of the np functions above

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
          ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg, ast.Not: operator.not_}
COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
           ast.Eq: operator.eq, ast.NotEq: operator.ne}
ALLOWED_OPERATORS = (*BINARY, *UNARY, *COMPARE, ast.And, ast.Or)
CONSTANT_TYPES = (bool, int, float, type(None), type(Ellipsis))

# Resource bounds, far above what a fill-in on the test data needs (its arrays have ~100 elements):
# NumPy allocates in C, where the time limit cannot interrupt, so sizes are checked before each step.
MAX_ANSWER_LENGTH = 1000  # characters
MAX_ELEMENTS = 100_000    # elements of any array an answer makes (800 kB in float64)
MAX_INT_BITS = 4096       # Python ints are exact: 10**10**10 would run for hours

OPERATOR_SIGNS = {ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
                  ast.MatMult: "@", ast.Invert: "~", ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
                  ast.NotIn: "not in"}
# (English, Japanese) names of the constructs outside the grammar.
CONSTRUCTS = {
    ast.Lambda: ("lambda", "lambda 式"),
    ast.ListComp: ("a list comprehension", "リスト内包表記"),
    ast.SetComp: ("a set comprehension", "集合内包表記"),
    ast.DictComp: ("a dict comprehension", "辞書内包表記"),
    ast.GeneratorExp: ("a generator expression", "ジェネレータ式"),
    ast.JoinedStr: ("an f-string", "f 文字列"),
    ast.Starred: ("`*` unpacking", "`*` による展開"),
    ast.NamedExpr: ("the assignment `:=`", "代入式 `:=`"),
    ast.IfExp: ("a conditional expression (... if ... else ...)", "条件式 (... if ... else ...)"),
    ast.Dict: ("a dict", "辞書"),
    ast.Set: ("a set", "集合"),
    ast.Await: ("`await`", "`await`"),
    ast.Yield: ("`yield`", "`yield`"),
    ast.YieldFrom: ("`yield from`", "`yield from`"),
}


class NotAllowedInAnswer(ValueError):
    """A fill-in uses something outside the grammar, or would make a result too large to compute.

    ``messages`` holds the English and the Japanese text; the report shows the one in its language
    (``str()`` is the English).
    """

    def __init__(self, en: str, ja: str):
        self.en, self.ja = en, ja
        self.messages = {"en": en, "ja": ja}
        super().__init__(en)


def _code(text: str, limit: int = 30) -> str:
    """``text`` in backquotes, shortened: a student's 500-character name must not fill the message."""
    return f"`{text if len(text) <= limit else text[:limit - 1] + '…'}`"


def _ja_before_particle(phrase: str) -> str:
    """A half-width space between code (ASCII) and a following Japanese particle, none after Japanese."""
    return phrase + " " if phrase and phrase[-1].isascii() else phrase


def not_allowed(construct: tuple[str, str], names) -> NotAllowedInAnswer:
    """The message for a construct outside the grammar; short, as the engine keeps 300 characters."""
    en, ja = construct
    return NotAllowedInAnswer(
        f"{en} is not allowed in an answer: use only {', '.join(names)}, numbers, indexing, slices, arithmetic, "
        "comparisons and np.sum, np.mean, np.sign, ...",
        f"{_ja_before_particle(ja)}は解答に使えません。使えるのは上の名前、数、添字、演算と np の関数だけです")


def too_large(en: str, ja: str, limit: int, unit_en: str, unit_ja: str) -> NotAllowedInAnswer:
    return NotAllowedInAnswer(f"{en} is too large: more than {limit:,} {unit_en} are not allowed in an answer",
                              f"{_ja_before_particle(ja)}が大きすぎます。解答では {limit:,} {unit_ja}を超えてはいけません")


def _constant_construct(value) -> tuple[str, str]:
    if isinstance(value, str):
        return "a string constant", "文字列定数"
    if isinstance(value, bytes):
        return "a bytes constant", "バイト列定数"
    return f"the constant {_code(repr(value))}", f"定数 {_code(repr(value))}"


def _violations(node: ast.AST, names, *, called: bool = False):
    """Every construct outside the grammar in ``node``, as (node, (English, Japanese)) pairs.

    ``called``: ``node`` is the function of a call (the only place ``np.<function>`` may appear).
    The children of a construct that is not allowed (a lambda, a comprehension) are not visited: the
    construct itself is reported.
    """
    if isinstance(node, ast.Name):
        if node.id == "np":
            yield node, ("`np` on its own", "単独の `np`")
        elif node.id not in names:
            yield node, (f"the name {_code(node.id)}", f"名前 {_code(node.id)}")
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, CONSTANT_TYPES):
            yield node, _constant_construct(node.value)
    elif isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id == "np":
            name = f"np.{node.attr}"
            if node.attr in NP_FUNCTIONS and not called:
                yield node, (f"{_code(name)} without a call", f"呼び出さない {_code(name)}")
            elif node.attr not in NP_FUNCTIONS + NP_CONSTANTS or (called and node.attr in NP_CONSTANTS):
                yield node, (_code(name), _code(name))
        else:
            if node.attr not in ARRAY_ATTRIBUTES or called:
                yield node, (f"the attribute {_code('.' + node.attr)}", f"属性 {_code('.' + node.attr)}")
            yield from _violations(node.value, names)  # in a chain a.b.c, the first one is reported
    elif isinstance(node, ast.Call):
        function = node.func
        if isinstance(function, ast.Name) and function.id in names:
            yield function, (f"calling {_code(function.id)}", f"{_code(function.id)} の呼び出し")
        elif isinstance(function, (ast.Name, ast.Attribute)):
            yield from _violations(function, names, called=True)
        else:
            inside = list(_violations(function, names))  # (lambda: ...)() names the lambda
            yield from inside or [(function, ("calling the result of an expression", "式の結果の呼び出し"))]
        for argument in node.args:
            yield from _violations(argument, names)
        for keyword in node.keywords:
            if keyword.arg is None:
                yield keyword.value, ("`**` unpacking", "`**` による展開")
            elif keyword.arg not in KEYWORDS:
                yield keyword.value, (f"the keyword argument {_code(keyword.arg + '=')}",
                                      f"キーワード引数 {_code(keyword.arg + '=')}")
            else:
                yield from _violations(keyword.value, names)
    elif isinstance(node, (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare)):
        operators = [node.op] if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.BoolOp)) else node.ops
        for op in operators:
            if type(op) not in ALLOWED_OPERATORS:
                sign = OPERATOR_SIGNS.get(type(op), type(op).__name__)
                yield node, (f"the operator {_code(sign)}", f"演算子 {_code(sign)}")
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                yield from _violations(child, names)
    elif isinstance(node, (ast.Subscript, ast.Slice, ast.Tuple, ast.List)):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                yield from _violations(child, names)
    else:
        yield node, CONSTRUCTS.get(type(node), (_code(type(node).__name__), _code(type(node).__name__)))


def check(tree: ast.Expression, names) -> None:
    """Raise :class:`NotAllowedInAnswer` naming the construct outside the grammar that ends first."""
    found = list(_violations(tree.body, names))
    if found:
        node, construct = min(found, key=lambda pair: (pair[0].end_lineno, pair[0].end_col_offset))
        raise not_allowed(construct, names)


def parse(answer: str) -> ast.Expression:
    """The answer's syntax tree (parsing runs nothing); a SyntaxError names the problem."""
    text = answer.strip()
    if len(text) > MAX_ANSWER_LENGTH:
        raise too_large("The answer", "解答", MAX_ANSWER_LENGTH, "characters", "文字")
    return ast.parse(text, filename="<answer>", mode="eval")


def evaluate(answer: str, names: dict):
    """The value of the fill-in ``answer`` with the given ``names`` and ``np``: parsed, checked, computed."""
    tree = parse(answer)
    check(tree, names)
    return _Evaluator(names).value(tree.body)


# Computing a checked tree ------------------------------------------------------------------------

def _size(value) -> int:
    """Elements in a value, without building an array from it (a list of arrays counts them all)."""
    if isinstance(value, (list, tuple)):
        return sum(_size(item) for item in value)
    return int(np.size(value)) if isinstance(value, (np.ndarray, np.generic)) else 1


def _limit_elements(count: int, what: tuple[str, str]) -> None:
    if count > MAX_ELEMENTS:
        raise too_large(*what, MAX_ELEMENTS, "elements", "要素")


def _is_python_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Evaluator:
    """Computes a tree that :func:`check` accepted; every step is bounded in size before it runs."""

    def __init__(self, names: dict):
        self.names = names

    def value(self, node: ast.expr):
        compute = getattr(self, f"_{type(node).__name__.lower()}")
        result = compute(node)
        if isinstance(result, np.ndarray):
            _limit_elements(result.size, ("The result", "結果"))
        return result

    def _name(self, node: ast.Name):
        return self.names[node.id]

    def _constant(self, node: ast.Constant):
        return node.value

    def _tuple(self, node: ast.Tuple):
        return tuple(self.value(item) for item in node.elts)

    def _list(self, node: ast.List):
        return [self.value(item) for item in node.elts]

    def _slice(self, node: ast.Slice):
        parts = (node.lower, node.upper, node.step)
        return slice(*(None if part is None else self.value(part) for part in parts))

    def _attribute(self, node: ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id == "np":
            return getattr(np, node.attr)  # one of NP_CONSTANTS (or NP_FUNCTIONS, when called)
        target = self.value(node.value)
        if not isinstance(target, (np.ndarray, np.generic)):
            raise TypeError(f".{node.attr} needs an array, got {type(target).__name__}")
        return getattr(target, node.attr)

    def _subscript(self, node: ast.Subscript):
        target, index = self.value(node.value), self.value(node.slice)
        if isinstance(target, np.ndarray):
            # An integer-array index of k elements picks k (sub)arrays: at most size × k elements.
            picks = index if isinstance(index, tuple) else (index,)
            bound = target.size * math.prod(max(1, _size(pick)) for pick in picks if not isinstance(pick, slice))
            _limit_elements(bound, ("The indexed array", "添字で取り出した配列"))
        return target[index]

    def _unaryop(self, node: ast.UnaryOp):
        return UNARY[type(node.op)](self.value(node.operand))

    def _binop(self, node: ast.BinOp):
        left, right = self.value(node.left), self.value(node.right)
        self._check_operands(left, right, node.op)
        return BINARY[type(node.op)](left, right)

    def _compare(self, node: ast.Compare):
        left = self.value(node.left)
        for position, (op, comparator) in enumerate(zip(node.ops, node.comparators)):
            right = self.value(comparator)
            self._check_operands(left, right, op)
            result = COMPARE[type(op)](left, right)
            if position == len(node.ops) - 1 or not result:  # a < b < c is a < b and b < c
                return result
            left = right

    def _boolop(self, node: ast.BoolOp):
        stop_at = False if isinstance(node.op, ast.And) else True  # Python's short-circuit rule
        for operand in node.values:
            result = self.value(operand)
            if bool(result) is stop_at:
                return result
        return result

    def _call(self, node: ast.Call):
        name = node.func.attr
        args = [self.value(argument) for argument in node.args]
        kwargs = {keyword.arg: self.value(keyword.value) for keyword in node.keywords}
        if name == "arange":
            _limit_elements(self._arange_length(args), ("`np.arange(...)`", "`np.arange(...)`"))
        else:
            # None of NP_FUNCTIONS makes more elements than the product of its arguments' sizes
            # (broadcasting, np.take), and a list argument (np.concatenate, np.stack) counts them all.
            bound = math.prod(max(1, _size(argument)) for argument in (*args, *kwargs.values()))
            _limit_elements(bound, (f"`np.{name}(...)`", f"`np.{name}(...)`"))
        return getattr(np, name)(*args, **kwargs)

    @staticmethod
    def _arange_length(args) -> int:
        """How many elements np.arange(stop), (start, stop) or (start, stop, step[, dtype]) makes."""
        if not args:
            return 0
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (*args[:3], 1)[:3]
        try:
            length = math.ceil((float(stop) - float(start)) / float(step))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return 0  # np.arange itself says what is wrong with its arguments
        return max(0, length)

    @staticmethod
    def _check_operands(left, right, op) -> None:
        """Refuse what would not finish or fill the memory: huge exact ints, big broadcasts."""
        if isinstance(left, (list, tuple)) or isinstance(right, (list, tuple)):
            raise NotAllowedInAnswer("arithmetic on a tuple or list is not allowed in an answer (use np arrays)",
                                     "タプルやリストの演算は解答に使えません (NumPy の配列を使ってください)")
        if _is_python_int(left) and _is_python_int(right):
            if isinstance(op, ast.Pow) and right > 0 and abs(left) > 1:
                bits = right * math.log2(abs(left))
            elif isinstance(op, ast.Mult):
                bits = left.bit_length() + right.bit_length()
            else:
                return
            if bits > MAX_INT_BITS:
                raise too_large("A whole number", "整数", MAX_INT_BITS, "bits", "ビット")
            return
        shape = np.broadcast_shapes(np.shape(left), np.shape(right))
        _limit_elements(math.prod(shape), ("The result of an operation", "演算の結果"))
