/**
 * Imported first by the CLI, before any module that loads the AWS SDK: turns off the SDK's
 * multi-line Node-version support notice, which the CLI would otherwise print before every command.
 * An explicit setting of the variable in the environment is left as it is.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
