{#- The money fields in `wanted` (a list or a dict's keys) whose exact number sibling
    `<field>_value` is a column of `relation`, in the order given: a stream's schema may lack
    a field the API added later. -#}
{% macro present_columns(relation, wanted) -%}
  {%- set found = [] -%}
  {%- if execute -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name')
                      | map('lower') | list -%}
    {%- for name in wanted -%}
      {%- if name ~ '_value' in columns -%}{%- do found.append(name) -%}{%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(found) }}
{%- endmacro %}
