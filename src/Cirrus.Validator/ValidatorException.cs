namespace Cirrus.Validator;

/// <summary>A validator-client failure with a message fit for the user (never holds a secret).</summary>
public class ValidatorException(string message, Exception? inner = null) : Exception(message, inner);
