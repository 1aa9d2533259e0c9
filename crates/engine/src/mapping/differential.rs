//! TEMPORARY: the new parser and evaluator against the evalexpr-based one they replace.
