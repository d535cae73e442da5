"""v1_scalar: scalar reverse-mode autograd, a drop-in for micrograd.

engine (Value, sum_values, topological_order), nn (Module, Neuron, Layer, MLP),
optim (SGD), graph (draw_dot, save_graph); scripts: create_data, train, walkthrough, built
on cli (the script helpers).
"""
