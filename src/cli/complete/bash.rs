//! Bash completion that survives bash's word splitting: bash breaks the
//! words of a command line at the characters of `COMP_WORDBREAKS`, `:` and
//! `=` among them, so `--host 127.0.0.1:11434` reaches a completer as three
//! words and `--think=` as two. The registration script here joins them
//! again (the pieces of one word have no blank between them on the line),
//! asks the binary with the whole words, and gives bash the candidates
//! without the part of the word that bash keeps (`llama3.2:` of
//! `llama3.2:latest`). The completions themselves are clap_complete's.

use std::ffi::OsString;
use std::io::Write;

use clap_complete::env::EnvCompleter;

/// clap_complete's bash completer with the registration script above.
pub struct Bash;

/// The registration script; `NAME`, `BIN`, `COMPLETER` and `VAR` are
/// replaced. The protocol with the binary (`_CLAP_*` variables, the words
/// after `--`, one candidate per `$IFS`) is clap_complete's.
const SCRIPT: &str = r#"
_ollama_rs_complete_NAME() {
    local IFS=$'\013'
    local space=true
    if compopt +o nospace 2> /dev/null; then
        space=false
    fi
    # The words again as typed: a piece that follows the previous one with
    # no blank between them (bash split it off at `:` or `=`) is joined to it.
    local line=$COMP_LINE pos=0 start=0 i j=-1 cword=0 w rest gap
    local -a words=()
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        rest=${line:pos}
        gap=${rest%%[![:space:]]*}
        pos=$((pos + ${#gap}))
        if ((i > 0 && ${#gap} == 0 && j >= 0)) && [[ $w == [:=]* || ${words[j]} == *[:=] ]]; then
            words[j]+=$w
        else
            j=$((j + 1))
            words[j]=$w
            start=$pos
        fi
        pos=$((pos + ${#w}))
        if ((i == COMP_CWORD)); then
            cword=$j
            # The word up to the cursor.
            words[j]=${line:start:COMP_POINT-start}
            break
        fi
    done
    # What bash keeps of the word: the joined pieces before its own.
    local kept=${words[cword]:0:${#words[cword]}-${#2}}
    local -a found
    found=( $( \
        _CLAP_IFS="$IFS" \
        _CLAP_COMPLETE_INDEX="$cword" \
        _CLAP_COMPLETE_COMP_TYPE="${COMP_TYPE}" \
        _CLAP_COMPLETE_SPACE="$space" \
        VAR="bash" \
        "COMPLETER" -- "${words[@]:0:cword+1}" \
    ) ) || { unset COMPREPLY; return; }
    COMPREPLY=()
    for w in "${found[@]}"; do
        [[ $w == "$kept"* ]] && COMPREPLY+=("${w:${#kept}}")
    done
    if [[ $space == false ]] && [[ "${COMPREPLY-}" =~ [=/:]$ ]]; then
        compopt -o nospace
    fi
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -o nospace -o bashdefault -o nosort -F _ollama_rs_complete_NAME BIN
else
    complete -o nospace -o bashdefault -F _ollama_rs_complete_NAME BIN
fi
"#;

impl EnvCompleter for Bash {
    fn name(&self) -> &'static str {
        clap_complete::env::Bash.name()
    }

    fn is(&self, name: &str) -> bool {
        clap_complete::env::Bash.is(name)
    }

    fn write_registration(
        &self,
        var: &str,
        name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        let quoted = shell_quote(completer);
        let script = SCRIPT
            .replace("NAME", &name.replace('-', "_"))
            .replace("BIN", bin)
            .replace("COMPLETER", &quoted)
            .replace("VAR", var);
        writeln!(buf, "{script}")
    }

    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        args: Vec<OsString>,
        current_dir: Option<&std::path::Path>,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        clap_complete::env::Bash.write_complete(cmd, args, current_dir, buf)
    }
}

/// `completer` quoted for the script: as it is when it holds no character
/// the shell treats specially, else in single quotes.
fn shell_quote(completer: &str) -> String {
    let plain = completer
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        completer.to_string()
    } else {
        format!("'{}'", completer.replace('\'', r"'\''"))
    }
}
