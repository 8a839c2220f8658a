namespace Cirrus.Ssz;

/// <summary>The one exception SSZ decoding (and encoding of ill-formed values) throws.</summary>
public sealed class SszException(string message) : Exception(message);
