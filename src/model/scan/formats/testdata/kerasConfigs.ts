/**
 * Keras configs as Keras 2 (tf.keras `model.get_config()`) and Keras 3 (`config.json` in a
 * `.keras` archive) write them, for the keras-config and keras-h5 tests. Test support only.
 */

type Json = Record<string, unknown>;

/** base64(marshal.dumps((lambda x: __import__("os").system("id") or x).__code__)), Python 3.11. */
export const LAMBDA_BYTECODE =
  "4wEAAAAAAAAAAAAAAAMAAAADAAAA80oAAACXAHQBAAAAAAAAAAAAAGQBpgEAAKsBAAAAAAAAAACgAQAAAAAAAAAAAAAAAAAAAAAAAAAAZAKmAQAAqwEAAAAAAAAAAHABfABTACkDTtoCb3PaAmlkKQLaCl9faW1wb3J0X1/aBnN5c3RlbSkB2gF4cwEAAAAg+gg8c3RyaW5nPvoIPGxhbWJkYT5yCAAAAAMAAABzIQAAAIAAjWqYFNEOHtQOHtcOJdIOJaBk0Q4r1A4r0A4wqHGAAPMAAAAA";

export const DTYPE_POLICY = {
  module: "keras",
  class_name: "DTypePolicy",
  config: { name: "float32" },
  registered_name: null,
};

export function k3(
  module: string,
  className: string,
  config: Json,
  registered: string | null = null,
): Json {
  return { module, class_name: className, config, registered_name: registered };
}

export function k3Dense(name: string, units: number): Json {
  return {
    ...k3("keras.layers", "Dense", {
      name,
      trainable: true,
      dtype: DTYPE_POLICY,
      units,
      activation: "relu",
      use_bias: true,
      kernel_initializer: k3("keras.initializers", "GlorotUniform", { seed: null }),
      bias_initializer: k3("keras.initializers", "Zeros", {}),
      kernel_regularizer: null,
      bias_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
    }),
    build_config: { input_shape: [null, 4] },
  };
}

export function k3Input(name: string): Json {
  return k3("keras.layers", "InputLayer", {
    batch_shape: [null, 4],
    dtype: "float32",
    sparse: false,
    name,
  });
}

/** A Keras 3 Lambda layer whose function is a marshalled lambda (the {code, …} form). */
export function k3Lambda(name: string, code = LAMBDA_BYTECODE): Json {
  return k3("keras.layers", "Lambda", {
    name,
    trainable: true,
    dtype: DTYPE_POLICY,
    function: { class_name: "__lambda__", config: { code, defaults: null, closure: null } },
    arguments: {},
  });
}

export function k3Sequential(name: string, layers: readonly Json[]): Json {
  return k3(
    "keras",
    "Sequential",
    { name, trainable: true, dtype: DTYPE_POLICY, layers, build_input_shape: [null, 4] },
    null,
  );
}

export function k3Functional(name: string, layers: readonly Json[]): Json {
  return k3(
    "keras",
    "Functional",
    {
      name,
      trainable: true,
      layers,
      input_layers: [["input_layer", 0, 0]],
      output_layers: [[String((layers.at(-1)?.config as Json | undefined)?.name ?? "out"), 0, 0]],
    },
    "Functional",
  );
}

/** A complete, ordinary Keras 3 config.json: Functional > Sequential > Dense, compiled. */
export function k3Model(innerLayers: readonly Json[] = [k3Dense("dense", 8)]): Json {
  return {
    ...k3Functional("functional", [
      k3Input("input_layer"),
      k3Sequential("inner", innerLayers),
      k3Dense("out", 2),
    ]),
    build_config: { input_shape: [null, 4] },
    compile_config: {
      optimizer: k3("keras.optimizers", "Adam", {
        name: "adam",
        learning_rate: 0.001,
        beta_1: 0.9,
        epsilon: 1e-7,
      }),
      loss: {
        module: "keras.losses",
        class_name: "function",
        config: "mean_squared_error",
        registered_name: "mean_squared_error",
      },
      metrics: [
        { module: "builtins", class_name: "function", config: "mae", registered_name: null },
      ],
      run_eagerly: false,
      jit_compile: false,
    },
  };
}

/** A Keras 2 (tf.keras) Lambda layer, function as (base64 code, defaults, closure). */
export function k2Lambda(name: string, code = LAMBDA_BYTECODE): Json {
  return {
    class_name: "Lambda",
    config: {
      name,
      trainable: true,
      dtype: "float32",
      function: [code, null, null],
      function_type: "lambda",
      module: "__main__",
      output_shape: null,
      output_shape_type: "raw",
      output_shape_module: null,
      arguments: {},
    },
    name,
    inbound_nodes: [[["input_1", 0, 0, {}]]],
  };
}

export function k2Dense(name: string): Json {
  return {
    class_name: "Dense",
    config: {
      name,
      trainable: true,
      dtype: "float32",
      units: 4,
      activation: "relu",
      kernel_initializer: { class_name: "GlorotUniform", config: { seed: null } },
    },
  };
}

/** A Keras 2 `model.to_json()`. */
export function k2Model(layers: readonly Json[]): Json {
  return {
    class_name: "Functional",
    config: {
      name: "model",
      layers,
      input_layers: [["input_1", 0, 0]],
      output_layers: [["out", 0, 0]],
    },
    keras_version: "2.12.0",
    backend: "tensorflow",
  };
}
