mod egress;
mod hostile_input;
