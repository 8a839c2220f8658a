using System.CommandLine;

namespace Cirrus.Cli.Commands;

/// <summary>
/// `cirrus completion bash|zsh`: a shell script that asks cirrus itself for completions through System.CommandLine's
/// [suggest:POSITION] directive, so the completions always match the binary's commands and options.
/// </summary>
public sealed class CompletionCommand : ICliCommand
{
    public string? Group => null;
    public string Name => "completion";
    public string Summary => "print a shell completion script: eval \"$(cirrus completion bash)\", or source <(cirrus completion zsh)";
    public IEnumerable<Symbol> Symbols
    {
        get
        {
            var shell = Opt.Files("SHELL", "bash or zsh");
            shell.CompletionSources.Add("bash", "zsh");
            return [shell];
        }
    }

    // COMP_LINE/COMP_POINT and BUFFER/CURSOR are the line being edited and the cursor in it: exactly what [suggest:N] takes.
    public const string Bash = """
        # bash completion for cirrus (System.CommandLine's [suggest] directive)
        _cirrus_complete() {
            local IFS=$'\n' suggestions
            suggestions=$("${COMP_WORDS[0]}" "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null) || return 0
            COMPREPLY=($(compgen -W "${suggestions}" -- "${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -F _cirrus_complete cirrus
        """;

    public const string Zsh = """
        #compdef cirrus
        # zsh completion for cirrus (System.CommandLine's [suggest] directive); needs compinit
        _cirrus() {
            local -a suggestions
            suggestions=("${(@f)$("${words[1]}" "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
            compadd -a suggestions
        }
        compdef _cirrus cirrus
        """;

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
        if (a.Positionals.Count != 1) throw new CliException("expected one SHELL: bash or zsh", 2);
        stdout.WriteLine(a.Positionals[0] switch
        {
            "bash" => Bash,
            "zsh" => Zsh,
            var other => throw new CliException($"no completion script for '{other}': bash or zsh", 2),
        });
        return 0;
    }
}
