using Xunit;

namespace Cirrus.Validator.Tests;

public class ValidatorExceptionTests
{
    [Fact]
    public void KeepsMessage() => Assert.Equal("x", new ValidatorException("x").Message);
}
