
_ollama_rs_complete_ollama_rs() {
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
        COMPLETE="bash" \
        "ollama-rs" -- "${words[@]:0:cword+1}" \
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
    complete -o nospace -o bashdefault -o nosort -F _ollama_rs_complete_ollama_rs ollama-rs
else
    complete -o nospace -o bashdefault -F _ollama_rs_complete_ollama_rs ollama-rs
fi

