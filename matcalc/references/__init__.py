"""The references a derivative is compared against: autodiff, finite differences, the complex step."""
